# vmon-vmm: one KVM VMM process per VM.
VMM_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/vmm/*.c))
# Everything but main.o, for the unit tests.
VMM_LIB := $(B)/libvmm.a
VMM_LDLIBS := -luring -lseccomp -ljson-c -lpthread $(LIBQCOW2_LDLIBS)
BINS += $(B)/vmon-vmm

$(VMM_LIB): $(filter-out $(B)/supervisor/vmm/main.o,$(VMM_OBJS))
	rm -f $@
	$(AR) rcs $@ $^

$(B)/vmon-vmm: $(B)/supervisor/vmm/main.o $(VMM_LIB) $(LIBQCOW2) $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(VMM_LDLIBS)
MAN_PAGES += Documentation/man/vmon-vmm.1

# make install: the unprivileged user a VMM started by root runs as
# (vmon-vmm --user; Documentation/security.rst, "The VMM's sandbox").
.PHONY: install-vmm-user
install: install-vmm-user
install-vmm-user:
	$(if $(DESTDIR),,getent passwd vmon-vmm >/dev/null || useradd --system --user-group \
		--no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmon-vmm)
