# libnetwork: libvirt network XML (libxml2) and the virtual switch (bridge
# through libnl-route-3, NAT through libnftables, dnsmasq for DHCP/DNS).
NETWORK_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/network/*.c))
LIBNETWORK := $(B)/libnetwork.a
LIBNETWORK_LDLIBS := $(B)/libvmonxml.a -lxml2 -lnl-route-3 -lnl-3 -lnftables
NETWORK_CFLAGS := $(shell pkg-config --cflags libxml-2.0 libnl-route-3.0 2>/dev/null)

$(NETWORK_OBJS): USER_CFLAGS += $(NETWORK_CFLAGS)

$(LIBNETWORK): $(NETWORK_OBJS) | $(B)/libvmonxml.a
	rm -f $@
	$(AR) rcs $@ $^

userspace: $(LIBNETWORK)
