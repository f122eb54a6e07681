# libdomain: libvirt domain XML (libxml2) and the domain state machine.
DOMAIN_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/domain/*.c))
LIBDOMAIN := $(B)/libdomain.a
LIBDOMAIN_LDLIBS := $(B)/libvmonxml.a -lxml2 -luuid
DOMAIN_XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)

$(DOMAIN_OBJS): USER_CFLAGS += $(DOMAIN_XML_CFLAGS)

$(LIBDOMAIN): $(DOMAIN_OBJS) | $(B)/libvmonxml.a
	rm -f $@
	$(AR) rcs $@ $^

userspace: $(LIBDOMAIN)
