# vmon: the command line.
VMON_CLI_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/cli/*.c))
VMON_CLI_LDLIBS = -ljson-c $(LIBDOMAIN_LDLIBS)
BINS += $(B)/vmon

# vmon install and the attach/detach verbs build their XML with libxml2 and
# have libdomain parse and format it.
$(B)/supervisor/cli/install_xml.o $(B)/supervisor/cli/cmd_attach.o: USER_CFLAGS += $(DOMAIN_XML_CFLAGS)

$(B)/vmon: $(VMON_CLI_OBJS) $(B)/libdomain.a $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(VMON_CLI_LDLIBS)
MAN_PAGES += Documentation/man/vmon.1

# make install: the bash completion.
.PHONY: install-vmon-completion
install: install-vmon-completion
install-vmon-completion: all
	install -D -m 0644 supervisor/cli/vmon.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vmon
