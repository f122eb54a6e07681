# libvmonxml: what the XML libraries (libdomain, libnetwork, libstorage)
# share on top of libxml2 (supervisor/include/vmon/xml.h). Each of them
# lists it in its *_LDLIBS, after itself.
VMONXML_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/xml/*.c))
LIBVMONXML := $(B)/libvmonxml.a

$(VMONXML_OBJS): USER_CFLAGS += $(shell pkg-config --cflags libxml-2.0 2>/dev/null)

$(LIBVMONXML): $(VMONXML_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

userspace: $(LIBVMONXML)
