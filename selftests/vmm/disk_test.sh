#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The virtio-blk back ends of vmon-vmm: guests D (/dev/vmon-blk) and E (a
# qcow2 overlay over a raw base through libqcow2) of boot_test.sh, a suite
# of their own so that each suite stays within make check's per-test
# timeout. Prints TAP. Run as root from the top of the tree.
exec "$(dirname "$0")/boot_test" d e
