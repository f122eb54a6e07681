# libvmon-nl: the client of the generic netlink family "vmon" (libnl-genl-3).
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0)
NL_LDLIBS := $(shell pkg-config --libs libnl-genl-3.0)
LIBVMON_NL := $(B)/libvmon-nl.a
LIBVMON_NL_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/netlink/*.c))
LIBS += $(LIBVMON_NL)

$(LIBVMON_NL_OBJS): USER_CFLAGS += $(NL_CFLAGS)

$(LIBVMON_NL): $(LIBVMON_NL_OBJS)
	$(AR) rcs $@ $^

# The CLI's top and stats commands use it.
$(B)/vmon: $(LIBVMON_NL)
VMON_CLI_LDLIBS += $(NL_LDLIBS)
