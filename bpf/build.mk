# bpf/: the CO-RE programs behind 'vmon trace', compiled with clang -target
# bpf against the vmlinux.h of the test kernel (tools/kcache btf: dumped
# from its BTF, cached, never committed) and turned into libbpf skeletons
# by bpftool; supervisor/trace includes the skeletons.
BPF_VIEWS := blk_lat net exits steal halt
BPF_OBJS := $(patsubst %,$(B)/bpf/%.bpf.o,$(BPF_VIEWS))
BPF_SKELS := $(patsubst %,$(B)/bpf/%.skel.h,$(BPF_VIEWS))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wextra -Werror \
	-Wno-unused-parameter \
	-I$(B)/bpf -I$(TOP)/bpf

# The objects are kept: selftests/trace reads their BTF (the layout of the
# module's trace records as the programs see them).
userspace: $(BPF_OBJS)

$(B)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	cp "$$($(TOP)/tools/kcache btf)" $@

$(B)/bpf/%.bpf.o: bpf/%.bpf.c bpf/common.bpf.h bpf/vmon_trace.h bpf/vmon_tp.h \
		| $(B)/bpf/vmlinux.h
	clang $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	bpftool gen skeleton $< name vmon_$* >$@.tmp
	mv $@.tmp $@
