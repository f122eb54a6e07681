# libvmontrace: the views of 'vmon trace' over the skeletons of bpf/.
LIBVMON_TRACE := $(B)/libvmontrace.a
LIBVMON_TRACE_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/trace/*.c))
BPF_LDLIBS := $(shell pkg-config --libs libbpf 2>/dev/null)
LIBS += $(LIBVMON_TRACE)

$(LIBVMON_TRACE_OBJS): USER_CFLAGS += -I$(B)/bpf -I$(TOP)/bpf
$(LIBVMON_TRACE_OBJS): | $(BPF_SKELS)

$(LIBVMON_TRACE): $(LIBVMON_TRACE_OBJS)
	$(AR) rcs $@ $^

$(B)/vmon: $(LIBVMON_TRACE)
# after the libraries of $^: libvmontrace calls into libvmon-nl
VMON_CLI_LDLIBS += $(LIBVMON_NL) $(BPF_LDLIBS) -lm
