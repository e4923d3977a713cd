// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP core: vector lengths.
 *
 * Owned here, for each vector type (SVE, and SME's streaming length):
 * which lengths the CPUs implement (probed on the boot CPU, narrowed by
 * each early secondary, checked against late ones), the system-wide
 * default length and the abi.{sve,sme}_default_vector_length sysctls that
 * tune it, each task's current and after-exec length together with the
 * prctl() and ptrace entry point that change them, and the buffers whose
 * size follows the lengths: thread.sve_state (Z, P, FFR at the longer of
 * the task's two lengths, since streaming mode keeps its Z registers
 * there too) and thread.sme_state (ZA at the streaming length, then ZT0
 * on SME2 systems).
 */

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/compat.h>
#include <linux/cpufeature.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/prctl.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

#include "internal.h"

__ro_after_init struct vl_info vl_info[ARM64_VEC_MAX] = {
#ifdef CONFIG_ARM64_SVE
	/* Until sve_setup(), assume only the architectural minimum. */
	[ARM64_VEC_SVE] = {
		.name = "SVE",
		.type = ARM64_VEC_SVE,
		.max_vl = SVE_VL_MIN,
		.max_virtualisable_vl = SVE_VL_MIN,
		.min_vl = SVE_VL_MIN,
	},
#endif
#ifdef CONFIG_ARM64_SME
	/* No length is architecturally required: sme_setup() fills it in. */
	[ARM64_VEC_SME] = {
		.name = "SME",
		.type = ARM64_VEC_SME,
	},
#endif
};

/**
 * task_get_vl() - the vector length a task runs with now
 * @tsk: the task
 * @type: which kind of vector
 *
 * Return: the length in bytes, 0 if none was ever set.
 */
unsigned int task_get_vl(const struct task_struct *tsk, enum vec_type type)
{
	return tsk->thread.vl[type];
}

/**
 * task_set_vl() - record the vector length a task runs with
 * @tsk: the task
 * @type: which kind of vector
 * @len: the length in bytes, already known to be supported
 *
 * Only the bookkeeping: the caller deals with any state laid out for the
 * old length.
 */
void task_set_vl(struct task_struct *tsk, enum vec_type type,
		 unsigned long len)
{
	tsk->thread.vl[type] = len;
}

/**
 * task_get_vl_onexec() - the vector length a task gets at its next exec
 * @tsk: the task
 * @type: which kind of vector
 *
 * Return: the length in bytes, or 0 when exec picks the system default.
 */
unsigned int task_get_vl_onexec(const struct task_struct *tsk,
				enum vec_type type)
{
	return tsk->thread.vl_onexec[type];
}

/**
 * task_set_vl_onexec() - choose the vector length for a task's next exec
 * @tsk: the task
 * @type: which kind of vector
 * @len: the length in bytes, or 0 for the system default
 */
void task_set_vl_onexec(struct task_struct *tsk, enum vec_type type,
			unsigned long len)
{
	tsk->thread.vl_onexec[type] = len;
}

/*
 * The register buffers of a task (thread.sve_state, thread.sme_state):
 * dropped without any check (the caller knows nothing uses it), or made
 * to exist. A new buffer starts zeroed; with @zero an old one is wiped
 * too. On the unlikely allocation failure *@buf stays NULL.
 */
static void vec_buf_release(void **buf)
{
	kfree(*buf);
	*buf = NULL;
}

static void vec_buf_get(void **buf, size_t size, bool zero)
{
	if (!*buf)
		*buf = kzalloc(size, GFP_KERNEL);
	else if (zero)
		memset(*buf, 0, size);
}

/**
 * sve_free_state() - free a task's SVE register buffer
 * @tsk: the task, which must not be using SVE any more (TIF_SVE clear)
 *
 * The next user of SVE state allocates a fresh buffer of the right size.
 */
void sve_free_state(struct task_struct *tsk)
{
	WARN_ON(test_tsk_thread_flag(tsk, TIF_SVE));
	vec_buf_release(&tsk->thread.sve_state);
}

#ifdef CONFIG_ARM64_SVE

/* Default length in bytes for a task whose exec asks for none, per type. */
static int default_vl[ARM64_VEC_MAX];

static int vec_default_vl(enum vec_type type)
{
	return READ_ONCE(default_vl[type]);
}

static void vec_set_default_vl(enum vec_type type, int len)
{
	WRITE_ONCE(default_vl[type], len);
}

/* The thread flag that keeps the after-exec length across exec. */
static unsigned int vec_inherit_flag(enum vec_type type)
{
	return type == ARM64_VEC_SME ? TIF_SME_VL_INHERIT : TIF_SVE_VL_INHERIT;
}

/* PR_SME_* values equal their PR_SVE_* twins: one code path serves both. */
static_assert(PR_SME_SET_VL_ONEXEC == PR_SVE_SET_VL_ONEXEC);
static_assert(PR_SME_VL_INHERIT == PR_SVE_VL_INHERIT);
static_assert(PR_SME_VL_LEN_MASK == PR_SVE_VL_LEN_MASK);

/* Whether the system has this vector type at all. */
static bool vec_supported(enum vec_type type)
{
	return type == ARM64_VEC_SME ? system_supports_sme() :
				       system_supports_sve();
}

/*
 * Turn a length requested from outside into one every CPU implements: the
 * longest supported length not above the request, and never outside
 * [min_vl, max_vl]. Nonsense input is a kernel bug: warn, then carry on
 * from the minimum rather than fail.
 */
static unsigned int vec_pick_vl(enum vec_type type, unsigned int want)
{
	const struct vl_info *vli = vl_info + type;
	unsigned int lo = vli->min_vl;
	unsigned int hi = vli->max_vl;
	unsigned int pos;

	if (WARN_ON(!sve_vl_valid(want)))
		want = lo;
	if (WARN_ON(!sve_vl_valid(hi)))
		hi = lo;
	want = clamp(want, lo, hi);

	/*
	 * vq_map keeps the longest length at bit 0, so the first set bit at
	 * or after the one for @want is the best fit from below.
	 */
	pos = __vq_to_bit(sve_vq_from_vl(want));
	pos = find_next_bit(vli->vq_map, SVE_VQ_MAX, pos);
	return sve_vl_from_vq(__bit_to_vq(pos));
}

#ifdef CONFIG_SYSCTL

static int sve_default_vl_handler(const struct ctl_table *ctl, int write,
				  void *buf, size_t *len, loff_t *pos)
{
	const struct vl_info *vli = ctl->extra1;
	int val = vec_default_vl(vli->type);
	struct ctl_table scratch = {
		.maxlen	= sizeof(val),
		.data	= &val,
	};
	int err;

	err = proc_dointvec(&scratch, write, buf, len, pos);
	if (err || !write)
		return err;

	/* -1 is shorthand for "the longest length there is". */
	if (val == -1)
		val = vli->max_vl;
	if (!sve_vl_valid(val))
		return -EINVAL;

	vec_set_default_vl(vli->type, vec_pick_vl(vli->type, val));
	return 0;
}

static struct ctl_table sve_vl_sysctls[] = {
	{
		.procname = "sve_default_vector_length",
		.proc_handler = sve_default_vl_handler,
		.extra1 = &vl_info[ARM64_VEC_SVE],
		.mode = 0644,
	},
};

#ifdef CONFIG_ARM64_SME
static struct ctl_table sme_vl_sysctls[] = {
	{
		.procname = "sme_default_vector_length",
		.proc_handler = sve_default_vl_handler,
		.extra1 = &vl_info[ARM64_VEC_SME],
		.mode = 0644,
	},
};
#endif

/**
 * vec_sysctl_init() - publish abi.sve_default_vector_length and
 *                     abi.sme_default_vector_length
 *
 * Each is registered only on a system with that vector type.
 *
 * Return: 0, or -EINVAL if a table could not be registered.
 */
int __init vec_sysctl_init(void)
{
	if (system_supports_sve() && !register_sysctl("abi", sve_vl_sysctls))
		return -EINVAL;
#ifdef CONFIG_ARM64_SME
	if (system_supports_sme() && !register_sysctl("abi", sme_vl_sysctls))
		return -EINVAL;
#endif
	return 0;
}

#endif /* CONFIG_SYSCTL */

/**
 * fpsimd_flush_thread_vl() - give the exec'ing task its new vector length
 * @type: which kind of vector
 *
 * current gets the length it asked for on exec, or else the system
 * default. Unless it asked to inherit, the request is used up, so the
 * exec after this one goes back to the default. Called from exec with no
 * FP lock held; only current's own fields are touched.
 */
void fpsimd_flush_thread_vl(enum vec_type type)
{
	struct task_struct *me = current;
	unsigned int want, usable;

	if (!vec_supported(type))
		return;

	/*
	 * Every user task gets a valid length here, since no kernel thread
	 * becomes a user task without an exec, and probing has finished by
	 * the first one. Should that ever not hold, complain and use the
	 * smallest length, which every SVE CPU has.
	 */
	want = task_get_vl_onexec(me, type) ?: vec_default_vl(type);
	if (WARN_ON(!sve_vl_valid(want)))
		want = vl_info[type].min_vl;

	usable = vec_pick_vl(type, want);
	WARN_ON(usable != want);
	task_set_vl(me, type, usable);

	if (!test_thread_flag(vec_inherit_flag(type)))
		task_set_vl_onexec(me, type, 0);
}

/*
 * The SVE buffer for an SVE length and a streaming length: streaming mode
 * keeps its Z, P (and FFR) there too, at its own length.
 */
static size_t vec_sve_buf_size(unsigned int sve_vl, unsigned int sme_vl)
{
	unsigned int vl = 0;

	if (system_supports_sve())
		vl = sve_vl;
	if (system_supports_sme())
		vl = max(vl, sme_vl);

	return SVE_SIG_REGS_SIZE(sve_vq_from_vl(vl));
}

/**
 * sve_state_size() - how big a task's SVE register buffer must be
 * @tsk: the task
 *
 * Return: the size in bytes of Z, P and FFR at the longer of the task's
 * SVE and streaming lengths.
 */
size_t sve_state_size(const struct task_struct *tsk)
{
	return vec_sve_buf_size(task_get_sve_vl(tsk), task_get_sme_vl(tsk));
}

/**
 * sve_alloc() - make sure a task has an SVE register buffer
 * @tsk: the task
 * @zero: wipe an existing buffer as well
 *
 * For callers about to fill the buffer. A new buffer always starts zeroed;
 * with @zero an old one is wiped too, so nothing the task wrote earlier
 * can show through. The buffer is at most a few KiB: on the unlikely
 * failure thread.sve_state stays NULL, which callers check.
 */
void sve_alloc(struct task_struct *tsk, bool zero)
{
	vec_buf_get(&tsk->thread.sve_state, sve_state_size(tsk), zero);
}

/**
 * fpsimd_release_task() - free what the FP core kept for a dead task
 * @tsk: a task on its final put_task_struct(), which cannot run
 */
void fpsimd_release_task(struct task_struct *tsk)
{
	vec_buf_release(&tsk->thread.sve_state);
	vec_buf_release(&tsk->thread.sme_state);
}

#ifdef CONFIG_ARM64_SME
/**
 * sme_alloc() - make sure a task has ZA (and ZT0) storage
 * @tsk: the task
 * @zero: wipe an existing buffer as well
 *
 * As sve_alloc(), sized by sme_state_size(). On failure thread.sme_state
 * stays NULL, which callers check.
 */
void sme_alloc(struct task_struct *tsk, bool zero)
{
	vec_buf_get(&tsk->thread.sme_state, sme_state_size(tsk), zero);
}
#endif

/*
 * Switch @tsk to a new length right away. Z, P and FFR are laid out for
 * the old length, so all that survives are the V registers (the low 128
 * bits of each Z), and the task leaves this as a plain FPSIMD task, out
 * of streaming mode. A new streaming length also ends ZA and ZT0, whose
 * layout follows it (sme.rst); a new SVE length keeps them.
 *
 * A task that keeps SME enabled (TIF_SME) must keep its buffers, since it
 * may enter streaming mode without trapping: the SVE one is allocated at
 * the new size first, so that a failure changes nothing.
 *
 * Return: 0, or -ENOMEM.
 */
static int vec_change_vl_now(struct task_struct *tsk, enum vec_type type,
			     unsigned int len)
{
	struct thread_struct *th = &tsk->thread;
	bool keep_sme = type != ARM64_VEC_SME &&
			test_tsk_thread_flag(tsk, TIF_SME);
	void *sve_buf = NULL;

	/* Only the SVE length changes here: the streaming one stays. */
	if (keep_sme) {
		vec_buf_get(&sve_buf, vec_sve_buf_size(len, task_get_sme_vl(tsk)),
			    false);
		if (!sve_buf)
			return -ENOMEM;
	}

	/*
	 * Afterwards the memory image is the whole truth and no CPU holds the
	 * task's registers; current reloads them on its way back to user.
	 */
	fpregs_evict_task(tsk);

	/* Conversion reads Z at the old length: do it before task_set_vl(). */
	if (th->fp_type == FP_STATE_SVE) {
		sve_to_fpsimd(tsk);
		th->fp_type = FP_STATE_FPSIMD;
	}
	if (keep_sme) {
		th->svcr &= ~SVCR_SM_MASK;
	} else {
		th->svcr = 0;
		clear_tsk_thread_flag(tsk, TIF_SME);
		vec_buf_release(&th->sme_state);
	}

	/*
	 * With TIF_SVE clear and an FPSIMD image, the reload on return to
	 * user leaves EL0 SVE access off; the next SVE instruction traps and
	 * sets up fresh state at the new length.
	 */
	clear_tsk_thread_flag(tsk, TIF_SVE);
	sve_free_state(tsk);
	th->sve_state = sve_buf;
	task_set_vl(tsk, type, len);
	return 0;
}

/**
 * vec_set_vector_length() - change a task's vector length (prctl, ptrace)
 * @tsk: current, or a task stopped under ptrace
 * @type: which kind of vector
 * @req: requested length in bytes
 * @flags: PR_SVE_SET_VL_ONEXEC and/or PR_SVE_VL_INHERIT
 *
 * The request is rounded down to a length all CPUs implement. With
 * PR_SVE_SET_VL_ONEXEC it only takes effect at the next exec; otherwise
 * it applies now and, if it differs from the current length, discards the
 * task's SVE state except for the V registers. PR_SVE_VL_INHERIT keeps
 * the chosen length across exec; without it, exec restores the default.
 * The length chosen can be read back with task_get_vl() or
 * task_get_vl_onexec().
 *
 * Must be called with preemption enabled and no FP lock held.
 *
 * Return: 0, -EINVAL for unknown flags or an invalid length, or -ENOMEM
 * when a task that keeps SME enabled cannot get its SVE buffer at the
 * new length (nothing is changed then).
 */
int vec_set_vector_length(struct task_struct *tsk, enum vec_type type,
			  unsigned long req, unsigned long flags)
{
	const unsigned long known = PR_SVE_SET_VL_ONEXEC | PR_SVE_VL_INHERIT;
	bool onexec_only = flags & PR_SVE_SET_VL_ONEXEC;
	bool inherit = flags & PR_SVE_VL_INHERIT;
	unsigned int chosen;
	int err = 0;

	if (WARN_ON_ONCE(!vec_supported(type)) || (flags & ~known) ||
	    !sve_vl_valid(req))
		return -EINVAL;

	/*
	 * Software written for any length assumes at most VL_ARCH_MAX; only
	 * a future opt-in flag could allow more, so cap requests there.
	 */
	chosen = vec_pick_vl(type, min_t(unsigned long, req, VL_ARCH_MAX));

	if (!onexec_only && chosen != task_get_vl(tsk, type))
		err = vec_change_vl_now(tsk, type, chosen);
	if (err)
		return err;

	/* Remember the choice for exec only when asked to, else reset it. */
	task_set_vl_onexec(tsk, type, (onexec_only || inherit) ? chosen : 0);
	update_tsk_thread_flag(tsk, vec_inherit_flag(type), inherit);
	return 0;
}

/* prctl() on vector lengths exists only for native tasks that have them. */
static bool vec_prctl_allowed(enum vec_type type)
{
	return vec_supported(type) && !is_compat_task();
}

/*
 * What prctl() hands back: the length the call was about (current, or
 * after exec for PR_SVE_SET_VL_ONEXEC), with PR_SVE_VL_INHERIT or'ed in
 * when set. ptrace reports these separately.
 */
static int vec_prctl_status(enum vec_type type, bool onexec)
{
	int status = onexec ? task_get_vl_onexec(current, type) :
			      task_get_vl(current, type);

	if (test_thread_flag(vec_inherit_flag(type)))
		status |= PR_SVE_VL_INHERIT;

	return status;
}

/* PR_SVE_SET_VL and PR_SME_SET_VL, whose encodings are the same. */
static int vec_prctl_set(enum vec_type type, unsigned long arg)
{
	unsigned long flags = arg & ~(unsigned long)PR_SVE_VL_LEN_MASK;
	int err;

	if (!vec_prctl_allowed(type))
		return -EINVAL;

	err = vec_set_vector_length(current, type, arg & PR_SVE_VL_LEN_MASK,
				    flags);
	return err ?: vec_prctl_status(type, flags & PR_SVE_SET_VL_ONEXEC);
}

/**
 * sve_set_current_vl() - PR_SVE_SET_VL
 * @arg: the prctl() argument: length bits and PR_SVE_* flags
 *
 * Return: the resulting status as for PR_SVE_GET_VL (the onexec length
 * when PR_SVE_SET_VL_ONEXEC was given), or -EINVAL.
 */
int sve_set_current_vl(unsigned long arg)
{
	return vec_prctl_set(ARM64_VEC_SVE, arg);
}

/**
 * sve_get_current_vl() - PR_SVE_GET_VL
 *
 * Return: current's length, with PR_SVE_VL_INHERIT if set, or -EINVAL.
 */
int sve_get_current_vl(void)
{
	return vec_prctl_allowed(ARM64_VEC_SVE) ?
	       vec_prctl_status(ARM64_VEC_SVE, false) : -EINVAL;
}

#ifdef CONFIG_ARM64_SME
/**
 * sme_set_current_vl() - PR_SME_SET_VL
 * @arg: the prctl() argument: length bits and PR_SME_* flags
 *
 * Return: as sve_set_current_vl(), for the streaming length.
 */
int sme_set_current_vl(unsigned long arg)
{
	return vec_prctl_set(ARM64_VEC_SME, arg);
}

/**
 * sme_get_current_vl() - PR_SME_GET_VL
 *
 * Return: current's streaming length, with PR_SME_VL_INHERIT if set, or
 * -EINVAL.
 */
int sme_get_current_vl(void)
{
	return vec_prctl_allowed(ARM64_VEC_SME) ?
	       vec_prctl_status(ARM64_VEC_SME, false) : -EINVAL;
}
#endif

/*
 * Ask this CPU for every length from the longest architectural one down.
 * Asked for N quadwords, it settles on the longest it has that is not
 * longer, so each answer is recorded and the search resumes below it.
 * ZCR_EL1 writes are self-synchronising, so no barrier is needed between
 * the write and the read back.
 */
static void vec_scan_lengths(const struct vl_info *vli, unsigned long *found)
{
	unsigned int ask = SVE_VQ_MAX;

	bitmap_zero(found, SVE_VQ_MAX);

	while (ask >= SVE_VQ_MIN) {
		unsigned int got;

		write_vl(vli->type, ask - 1);
		got = sve_vq_from_vl(vli->type == ARM64_VEC_SME ? sme_get_vl() :
								  sve_get_vl());

		/* An answer above the request: nothing shorter exists. */
		if (!got || got > ask)
			return;

		__set_bit(__vq_to_bit(got), found);
		ask = got - 1;
	}
}

/**
 * vec_init_vq_map() - record the lengths the boot CPU implements
 * @type: which kind of vector
 *
 * Runs before any secondary CPU is up; the result starts both the set of
 * lengths every CPU has and the set some CPU has.
 */
void __init vec_init_vq_map(enum vec_type type)
{
	struct vl_info *vli = vl_info + type;

	vec_scan_lengths(vli, vli->vq_map);
	bitmap_copy(vli->vq_partial_map, vli->vq_map, SVE_VQ_MAX);
}

/**
 * vec_update_vq_map() - fold an early secondary CPU's lengths in
 * @type: which kind of vector
 *
 * Only while the supported set is still open: it loses what this CPU
 * lacks, and the some-CPU set gains what this CPU has.
 */
void vec_update_vq_map(enum vec_type type)
{
	struct vl_info *vli = vl_info + type;
	DECLARE_BITMAP(here, SVE_VQ_MAX);

	vec_scan_lengths(vli, here);
	bitmap_or(vli->vq_partial_map, vli->vq_partial_map, here, SVE_VQ_MAX);
	bitmap_and(vli->vq_map, vli->vq_map, here, SVE_VQ_MAX);
}

static void vec_reject_cpu(const struct vl_info *vli, const char *why)
{
	pr_warn("%s: cpu%d: %s\n", vli->name, smp_processor_id(), why);
}

/*
 * Could a guest tell this CPU apart from the others? Only by a length it
 * has beyond the common set that is short enough for a guest to select:
 * guests never get more than max_virtualisable_vl.
 */
static bool vec_cpu_visible_to_guests(const struct vl_info *vli,
				      const unsigned long *here)
{
	DECLARE_BITMAP(extra, SVE_VQ_MAX);
	unsigned int shortest_vq;

	if (!bitmap_andnot(extra, here, vli->vq_map, SVE_VQ_MAX))
		return false;

	/* Long lengths sit at low bits: the last set bit is the shortest. */
	shortest_vq = __bit_to_vq(find_last_bit(extra, SVE_VQ_MAX));
	return sve_vl_from_vq(shortest_vq) <= vli->max_virtualisable_vl;
}

/**
 * vec_verify_vq_map() - check a late CPU against the committed lengths
 * @type: which kind of vector
 *
 * The CPU must implement every length in the committed set. When KVM may
 * run guests, it must also not implement an extra length at or below the
 * longest one guests can be given: a guest probing lengths would find it
 * on this CPU only.
 *
 * Return: 0 if the CPU may come up, -EINVAL if not.
 */
int vec_verify_vq_map(enum vec_type type)
{
	const struct vl_info *vli = vl_info + type;
	DECLARE_BITMAP(here, SVE_VQ_MAX);

	vec_scan_lengths(vli, here);

	if (!bitmap_subset(vli->vq_map, here, SVE_VQ_MAX)) {
		vec_reject_cpu(vli, "Required vector length(s) missing");
		return -EINVAL;
	}

	if (IS_ENABLED(CONFIG_KVM) && is_hyp_mode_available() &&
	    vec_cpu_visible_to_guests(vli, here)) {
		vec_reject_cpu(vli, "Unsupported vector length(s) present");
		return -EINVAL;
	}

	return 0;
}

/**
 * cpu_enable_sve() - let this CPU's kernel use SVE
 * @cap: unused
 *
 * EL0 access is left off: each task gets it when it starts using SVE.
 */
void cpu_enable_sve(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set(cpacr_el1, 0, CPACR_EL1_ZEN_EL1EN);
	isb();

	/* Now ZCR_EL1 is accessible; loading a task's state sets LEN. */
	write_sysreg_s(0, SYS_ZCR_EL1);
}

/*
 * The longest length a guest may be given: everything below the shortest
 * length that only some CPUs have, since a guest could not be kept from
 * seeing such a length on those CPUs. Never more than max_vl.
 */
static int sve_guest_limit(const struct vl_info *vli)
{
	DECLARE_BITMAP(some_only, SVE_VQ_MAX);
	unsigned long pos;
	int limit;

	bitmap_andnot(some_only, vli->vq_partial_map, vli->vq_map, SVE_VQ_MAX);
	pos = find_last_bit(some_only, SVE_VQ_MAX);

	if (pos >= SVE_VQ_MAX)
		limit = SVE_VQ_MAX;	/* none such: max_vl decides */
	else if (WARN_ON(pos == SVE_VQ_MAX - 1))
		limit = SVE_VQ_MIN;	/* 128 bits missing somewhere */
	else
		limit = sve_vl_from_vq(__bit_to_vq(pos + 1));

	return min(limit, vli->max_vl);
}

/**
 * sve_setup() - settle the SVE lengths once all early CPUs are up
 *
 * Derives the maximum length, the default length for new tasks and the
 * longest length guests can be given from the probed sets, reports them,
 * and sets up what EFI runtime calls need to preserve SVE state.
 */
void __init sve_setup(void)
{
	struct vl_info *vli = vl_info + ARM64_VEC_SVE;
	const unsigned int bit_128 = __vq_to_bit(SVE_VQ_MIN);
	unsigned int longest_vq;

	if (!system_supports_sve())
		return;

	/*
	 * The architecture requires 128-bit vectors everywhere. If the probe
	 * says otherwise something is badly wrong; patch the map and go on.
	 */
	if (WARN_ON(!test_bit(bit_128, vli->vq_map)))
		__set_bit(bit_128, vli->vq_map);

	longest_vq = __bit_to_vq(find_first_bit(vli->vq_map, SVE_VQ_MAX));
	vli->max_vl = sve_vl_from_vq(longest_vq);

	/*
	 * Default to the longest length up to 64 bytes: with that, the
	 * signal frame never needs more room than it always had.
	 */
	vec_set_default_vl(ARM64_VEC_SVE, vec_pick_vl(ARM64_VEC_SVE, 64));

	vli->max_virtualisable_vl = sve_guest_limit(vli);

	pr_info("%s: maximum available vector length %u bytes per vector\n",
		vli->name, vli->max_vl);
	pr_info("%s: default vector length %u bytes per vector\n",
		vli->name, vec_default_vl(ARM64_VEC_SVE));

	/* Whether to cope with that is KVM's call; just say so. */
	if (vli->max_virtualisable_vl < vli->max_vl)
		pr_warn("%s: unvirtualisable vector lengths present\n",
			vli->name);

	fpsimd_atomic_setup(vli->max_vl);
}

#ifdef CONFIG_ARM64_SME
/**
 * sme_setup() - settle the streaming lengths once all early CPUs are up
 *
 * SME requires no particular length, only at least one: the shortest and
 * longest come from the probed set. New tasks default to the longest
 * length up to 32 bytes, or the shortest there is: at 32 bytes or less a
 * streaming-mode signal frame fits the space it always had. Guests with SME
 * get lengths up to max_virtualisable_vl, found as for SVE.
 */
void __init sme_setup(void)
{
	struct vl_info *vli = vl_info + ARM64_VEC_SME;
	unsigned long longest, shortest;

	if (!system_supports_sme())
		return;

	if (WARN_ON(bitmap_empty(vli->vq_map, SVE_VQ_MAX)))
		__set_bit(__vq_to_bit(SVE_VQ_MIN), vli->vq_map);
	longest = find_first_bit(vli->vq_map, SVE_VQ_MAX);
	shortest = find_last_bit(vli->vq_map, SVE_VQ_MAX);
	vli->max_vl = sve_vl_from_vq(__bit_to_vq(longest));
	vli->min_vl = sve_vl_from_vq(__bit_to_vq(shortest));

	vec_set_default_vl(ARM64_VEC_SME,
			   vec_pick_vl(ARM64_VEC_SME, 32));
	vli->max_virtualisable_vl = sve_guest_limit(vli);

	pr_info("%s: vector lengths %u to %u bytes, default %u\n", vli->name,
		vli->min_vl, vli->max_vl, vec_default_vl(ARM64_VEC_SME));

	/* The atomic-context buffer may have to hold streaming Z registers. */
	fpsimd_atomic_setup(vli->max_vl);
}
#endif /* CONFIG_ARM64_SME */

#else /* !CONFIG_ARM64_SVE */

/**
 * fpsimd_flush_thread_vl() - give the exec'ing task its new vector length
 * @type: which kind of vector
 *
 * Without SVE support there are no vector lengths to reset.
 */
void fpsimd_flush_thread_vl(enum vec_type type)
{
}

#endif /* !CONFIG_ARM64_SVE */

#if !defined(CONFIG_ARM64_SVE) || !defined(CONFIG_SYSCTL)
/**
 * vec_sysctl_init() - publish the default vector length sysctls
 *
 * There are no such sysctls in this configuration.
 *
 * Return: 0
 */
int __init vec_sysctl_init(void)
{
	return 0;
}
#endif
