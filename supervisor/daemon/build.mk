# vmond: the daemon (library libvmond.a + the binary) and its systemd unit.
VMOND_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/daemon/*.c))
VMOND_LIB := $(B)/libvmond.a
# libdomain (supervisor/domain/build.mk) parses and writes the domain XML.
LIBDOMAIN ?= $(B)/libdomain.a
# libstorage (supervisor/storage/build.mk): pools and volumes, qcow2 through libqcow2.
VMOND_STORAGE_LIBS = $(B)/libstorage.a $(B)/libqcow2.a
# libnetwork (supervisor/network/build.mk): the virtual networks.
LIBNETWORK ?= $(B)/libnetwork.a
VMOND_LDLIBS = -ljson-c -lsystemd $(LIBDOMAIN_LDLIBS) $(LIBSTORAGE_LDLIBS) $(LIBNETWORK_LDLIBS)
# vmond links libdomain: it is built once supervisor/domain/ has its sources.
ifneq ($(wildcard supervisor/domain/*.c),)
BINS += $(B)/vmond
endif

# host.c writes the capabilities XML with libxml2.
$(B)/supervisor/daemon/host.o: USER_CFLAGS += $(DOMAIN_XML_CFLAGS)

$(VMOND_LIB): $(filter-out $(B)/supervisor/daemon/vmond.o,$(VMOND_OBJS))
	rm -f $@
	$(AR) rcs $@ $^

$(B)/vmond: $(B)/supervisor/daemon/vmond.o $(VMOND_LIB) $(LIBDOMAIN) $(VMOND_STORAGE_LIBS) $(LIBNETWORK) $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(VMOND_LDLIBS)

# make install: vmond goes with BINS; its man page (section 8) and systemd
# unit (ExecStart pointing at PREFIX) here.
.PHONY: install-vmond
install: install-vmond
install-vmond: all
	install -D -m 0644 Documentation/man/vmond.8 $(DESTDIR)$(PREFIX)/share/man/man8/vmond.8
	install -d $(DESTDIR)/lib/systemd/system
	sed 's|@BINDIR@|$(PREFIX)/bin|' supervisor/daemon/vmond.service \
		>$(DESTDIR)/lib/systemd/system/vmond.service
