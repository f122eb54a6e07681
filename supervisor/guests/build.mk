# vmon-guests: libvirt-guests for vmon (a script over the vmon CLI), its
# systemd unit and its settings file.

.PHONY: install-vmon-guests
install: install-vmon-guests
install-vmon-guests: all
	install -D -m 0755 supervisor/guests/vmon-guests $(DESTDIR)$(PREFIX)/bin/vmon-guests
	install -D -m 0644 Documentation/man/vmon-guests.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/vmon-guests.8
	install -d $(DESTDIR)/lib/systemd/system
	sed 's|@BINDIR@|$(PREFIX)/bin|' supervisor/guests/vmon-guests.service \
		>$(DESTDIR)/lib/systemd/system/vmon-guests.service
	[ -e $(DESTDIR)/etc/default/vmon-guests ] || \
		install -D -m 0644 supervisor/guests/vmon-guests.conf $(DESTDIR)/etc/default/vmon-guests
