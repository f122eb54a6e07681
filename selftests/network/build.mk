# libnetwork host tests: network XML (golden files, refusals, schema), the
# nft script, dnsmasq's configuration and lease file.
$(B)/selftests/network/%_test: $(B)/selftests/network/%_test.o $(B)/selftests/lib/golden.o \
		$(B)/libnetwork.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBNETWORK_LDLIBS)

$(B)/selftests/network/%.o: TEST_CFLAGS += -Wno-sign-compare

UNIT_TESTS += $(B)/selftests/network/xml_test $(B)/selftests/network/switch_test
UNIT_TESTS += selftests/network/net_cli_test.sh

# In the test VM (it makes bridges, nft tables and namespaces): the switch.
$(B)/selftests/network/switch_vm_test: selftests/network/switch_vm_test.sh $(B)/vmond $(B)/vmon
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/network/switch_vm_test

# In the test VM with nested KVM: a real guest on a NAT network.
$(B)/selftests/network/guest_vm_test: selftests/network/guest_vm_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/network/guest_vm_test
