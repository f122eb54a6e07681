// SPDX-License-Identifier: GPL-2.0
/*
 * Names for the numbers the views count: virtio-blk request types and
 * KVM exit reasons (the common ones; others print as numbers).
 */
#include <stddef.h>

#include <linux/virtio_blk.h>

#include <vmon/trace.h>

const char *vmon_trace_blk_op(uint32_t op)
{
	switch (op) {
	case VIRTIO_BLK_T_IN:
		return "read";
	case VIRTIO_BLK_T_OUT:
		return "write";
	case VIRTIO_BLK_T_FLUSH:
		return "flush";
	case VIRTIO_BLK_T_GET_ID:
		return "get-id";
	case VIRTIO_BLK_T_DISCARD:
		return "discard";
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return "write-zeroes";
	case VIRTIO_BLK_T_SECURE_ERASE:
		return "secure-erase";
	}
	return NULL;
}

struct reason_name {
	uint32_t reason;
	const char *name;
};

/* VMX basic exit reasons (Intel SDM vol. 3, appendix C). */
static const struct reason_name vmx_reasons[] = {
	{ 0, "exception-nmi" },
	{ 1, "external-interrupt" },
	{ 2, "triple-fault" },
	{ 7, "interrupt-window" },
	{ 10, "cpuid" },
	{ 12, "hlt" },
	{ 18, "vmcall" },
	{ 28, "cr-access" },
	{ 30, "io" },
	{ 31, "msr-read" },
	{ 32, "msr-write" },
	{ 40, "pause" },
	{ 48, "ept-violation" },
	{ 49, "ept-misconfig" },
	{ 52, "preemption-timer" },
	{ 0, NULL },
};

/* SVM exit codes (AMD APM vol. 2, appendix C). */
static const struct reason_name svm_reasons[] = {
	{ 0x40, "exception-de" },  { 0x41, "exception-db" },
	{ 0x4e, "exception-pf" },  { 0x60, "intr" },
	{ 0x61, "nmi" },	   { 0x64, "vintr" },
	{ 0x72, "cpuid" },	   { 0x77, "pause" },
	{ 0x78, "hlt" },	   { 0x7b, "io" },
	{ 0x7c, "msr" },	   { 0x7f, "shutdown" },
	{ 0x81, "vmmcall" },	   { 0x400, "npf" },
	{ 0x402, "avic-noaccel" }, { 0, NULL },
};

const char *vmon_trace_exit_reason(uint32_t isa, uint32_t reason)
{
	const struct reason_name *t = isa == 1 ? vmx_reasons : isa == 2 ? svm_reasons : NULL;

	for (; t && t->name; t++)
		if (t->reason == reason)
			return t->name;
	return NULL;
}
