# libstorage: libvirt pool and volume XML (libxml2) and the pool back ends
# (supervisor/include/vmon/storage.h); qcow2 volumes through libqcow2, sizes
# through libvmon's (vmon/size.h).
STORAGE_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/storage/*.c))
LIBSTORAGE := $(B)/libstorage.a
LIBSTORAGE_LDLIBS := $(B)/libvmonxml.a $(B)/libvmon.a -lxml2 -luuid -lmount -lblkid -ljson-c \
	$(LIBQCOW2_LDLIBS)

$(STORAGE_OBJS): USER_CFLAGS += $(shell pkg-config --cflags libxml-2.0 2>/dev/null)

$(LIBSTORAGE): $(STORAGE_OBJS) | $(B)/libvmonxml.a $(B)/libvmon.a
	rm -f $@
	$(AR) rcs $@ $^

userspace: $(LIBSTORAGE)
