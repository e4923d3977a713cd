/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of a vCPU's FP context: one per ownership transition KVM
 * reports to the FP core (arch/arm64/kvm/fpsimd.c). Enable them with
 *   echo 1 > /sys/kernel/tracing/events/kvm_fp/enable
 */
#if !defined(_TRACE_ARM64_KVM_FP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_ARM64_KVM_FP_H

#include <linux/tracepoint.h>
#include <asm/fpu_guest.h>

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_fp

/* @arg: the plan (enter), host saved (trap), guest saved (put) */
DECLARE_EVENT_CLASS(kvm_fp_event,
		    TP_PROTO(unsigned int vcpu_id, int cpu, int arg),
		    TP_ARGS(vcpu_id, cpu, arg),
		    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
				     __field(int, cpu)
				     __field(int, arg)),
		    TP_fast_assign(__entry->vcpu_id = vcpu_id;
				   __entry->cpu = cpu;
				   __entry->arg = arg;),
		    TP_printk("vcpu %u cpu %d: image rewritten", __entry->vcpu_id,
			      __entry->cpu));

/*
 * A plan is printed by its own enum name (enum fpu_guest_plan), the label
 * made from the constant itself, so no label can stand for another
 * value. The values are exported so that the format file, which tools
 * read, holds numbers.
 */
TRACE_DEFINE_ENUM(FPU_GUEST_TRAP);
TRACE_DEFINE_ENUM(FPU_GUEST_TRAP_SAVE);
TRACE_DEFINE_ENUM(FPU_GUEST_LIVE);

#undef KVM_FP_PLAN
#define KVM_FP_PLAN(plan)	{ plan, #plan }

DEFINE_EVENT_PRINT(kvm_fp_event, kvm_fp_enter,
		   TP_PROTO(unsigned int vcpu_id, int cpu, int plan),
		   TP_ARGS(vcpu_id, cpu, plan),
		   TP_printk("vcpu %u cpu %d: %s", __entry->vcpu_id,
			     __entry->cpu,
			     __print_symbolic(__entry->arg,
					      KVM_FP_PLAN(FPU_GUEST_TRAP),
					      KVM_FP_PLAN(FPU_GUEST_TRAP_SAVE),
					      KVM_FP_PLAN(FPU_GUEST_LIVE))));

DEFINE_EVENT_PRINT(kvm_fp_event, kvm_fp_trap,
		   TP_PROTO(unsigned int vcpu_id, int cpu, int host_saved),
		   TP_ARGS(vcpu_id, cpu, host_saved),
		   TP_printk("vcpu %u cpu %d: guest loaded%s", __entry->vcpu_id,
			     __entry->cpu,
			     __entry->arg ? ", host saved" : ""));

DEFINE_EVENT_PRINT(kvm_fp_event, kvm_fp_put,
		   TP_PROTO(unsigned int vcpu_id, int cpu, int saved),
		   TP_ARGS(vcpu_id, cpu, saved),
		   TP_printk("vcpu %u cpu %d: %s", __entry->vcpu_id,
			     __entry->cpu,
			     __entry->arg ? "guest saved" : "nothing newer"));

/* A vCPU with SME moved its own ZA: loaded (@arg 1) or saved (0). */
DEFINE_EVENT_PRINT(kvm_fp_event, kvm_fp_za,
		   TP_PROTO(unsigned int vcpu_id, int cpu, int loaded),
		   TP_ARGS(vcpu_id, cpu, loaded),
		   TP_printk("vcpu %u cpu %d: guest ZA %s", __entry->vcpu_id,
			     __entry->cpu,
			     __entry->arg ? "loaded" : "saved"));

/* The VMM or a reset rewrote the image; @arg is 0. */
DEFINE_EVENT(kvm_fp_event, kvm_fp_discard,
	     TP_PROTO(unsigned int vcpu_id, int cpu, int arg),
	     TP_ARGS(vcpu_id, cpu, arg));

#endif /* _TRACE_ARM64_KVM_FP_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace_fp

#include <trace/define_trace.h>
