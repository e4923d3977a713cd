// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP core: vector lengths.
 *
 * Owned here: which SVE lengths the CPUs implement (probed on the boot CPU,
 * narrowed by each early secondary, checked against late ones), the
 * system-wide default length and the abi.sve_default_vector_length sysctl
 * that tunes it, each task's current and after-exec length together with
 * the prctl() and ptrace entry point that change them, and the
 * thread.sve_state buffer, whose size follows the task's length.
 *
 * SME is never built, so ARM64_VEC_SVE is the only vector type seen here;
 * vl_info[] still has ARM64_VEC_MAX slots because shared headers index it.
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

/* Drop the buffer without any check: for tasks that can never run again. */
static void sve_state_release(struct task_struct *tsk)
{
	void *buf = tsk->thread.sve_state;

	tsk->thread.sve_state = NULL;
	kfree(buf);
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
	sve_state_release(tsk);
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
	WARN_ON_ONCE(type != ARM64_VEC_SVE);
	return TIF_SVE_VL_INHERIT;
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

/**
 * sve_sysctl_init() - publish abi.sve_default_vector_length
 *
 * Nothing is registered on a system without SVE.
 *
 * Return: 0, or -EINVAL if the table could not be registered.
 */
int __init sve_sysctl_init(void)
{
	if (system_supports_sve() && !register_sysctl("abi", sve_vl_sysctls))
		return -EINVAL;

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

	if (type != ARM64_VEC_SVE || !system_supports_sve())
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

/**
 * sve_state_size() - how big a task's SVE register buffer must be
 * @tsk: the task
 *
 * Return: the size in bytes of Z, P and FFR at the task's current length.
 */
size_t sve_state_size(const struct task_struct *tsk)
{
	unsigned int vq = 0;

	if (system_supports_sve())
		vq = sve_vq_from_vl(task_get_sve_vl(tsk));

	return SVE_SIG_REGS_SIZE(vq);
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
	struct thread_struct *th = &tsk->thread;

	if (!th->sve_state)
		th->sve_state = kzalloc(sve_state_size(tsk), GFP_KERNEL);
	else if (zero)
		memset(th->sve_state, 0, sve_state_size(tsk));
}

/**
 * fpsimd_release_task() - free what the FP core kept for a dead task
 * @tsk: a task on its final put_task_struct(), which cannot run
 */
void fpsimd_release_task(struct task_struct *tsk)
{
	sve_state_release(tsk);
}

/*
 * Switch @tsk to a new length right away. Z, P and FFR are laid out for
 * the old length, so all that survives are the V registers (the low 128
 * bits of each Z), and the task leaves this as a plain FPSIMD task.
 */
static void vec_change_vl_now(struct task_struct *tsk, enum vec_type type,
			      unsigned int len)
{
	struct thread_struct *th = &tsk->thread;

	/*
	 * Afterwards the memory image is the whole truth and no CPU holds the
	 * task's registers; current reloads them on its way back to user.
	 */
	fpcore_flush_task(tsk);

	/* Conversion reads Z at the old length: do it before task_set_vl(). */
	if (th->fp_type == FP_STATE_SVE) {
		sve_to_fpsimd(tsk);
		th->fp_type = FP_STATE_FPSIMD;
	}

	/*
	 * With TIF_SVE clear and an FPSIMD image, the reload on return to
	 * user leaves EL0 SVE access off; the next SVE instruction traps and
	 * sets up fresh state at the new length.
	 */
	clear_tsk_thread_flag(tsk, TIF_SVE);
	sve_free_state(tsk);
	task_set_vl(tsk, type, len);
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
 * Return: 0, or -EINVAL for unknown flags or an invalid length.
 */
int vec_set_vector_length(struct task_struct *tsk, enum vec_type type,
			  unsigned long req, unsigned long flags)
{
	const unsigned long known = PR_SVE_SET_VL_ONEXEC | PR_SVE_VL_INHERIT;
	bool onexec_only = flags & PR_SVE_SET_VL_ONEXEC;
	bool inherit = flags & PR_SVE_VL_INHERIT;
	unsigned int chosen;

	if (WARN_ON_ONCE(type != ARM64_VEC_SVE) || (flags & ~known) ||
	    !sve_vl_valid(req))
		return -EINVAL;

	/*
	 * Software written for any length assumes at most VL_ARCH_MAX; only
	 * a future opt-in flag could allow more, so cap requests there.
	 */
	chosen = vec_pick_vl(type, min_t(unsigned long, req, VL_ARCH_MAX));

	/* Remember the choice for exec only when asked to, else reset it. */
	task_set_vl_onexec(tsk, type, (onexec_only || inherit) ? chosen : 0);

	if (!onexec_only && chosen != task_get_vl(tsk, type))
		vec_change_vl_now(tsk, type, chosen);

	update_tsk_thread_flag(tsk, vec_inherit_flag(type), inherit);
	return 0;
}

/* prctl() on SVE lengths exists only for native tasks on SVE systems. */
static bool sve_prctl_allowed(void)
{
	return system_supports_sve() && !is_compat_task();
}

/*
 * What prctl() hands back: the length the call was about (current, or
 * after exec for PR_SVE_SET_VL_ONEXEC), with PR_SVE_VL_INHERIT or'ed in
 * when set. ptrace reports these separately.
 */
static int sve_prctl_status(bool onexec)
{
	int status = onexec ? task_get_sve_vl_onexec(current) :
			      task_get_sve_vl(current);

	if (test_thread_flag(TIF_SVE_VL_INHERIT))
		status |= PR_SVE_VL_INHERIT;

	return status;
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
	unsigned long flags = arg & ~(unsigned long)PR_SVE_VL_LEN_MASK;
	int err;

	if (!sve_prctl_allowed())
		return -EINVAL;

	err = vec_set_vector_length(current, ARM64_VEC_SVE,
				    arg & PR_SVE_VL_LEN_MASK, flags);
	return err ?: sve_prctl_status(flags & PR_SVE_SET_VL_ONEXEC);
}

/**
 * sve_get_current_vl() - PR_SVE_GET_VL
 *
 * Return: current's length, with PR_SVE_VL_INHERIT if set, or -EINVAL.
 */
int sve_get_current_vl(void)
{
	return sve_prctl_allowed() ? sve_prctl_status(false) : -EINVAL;
}

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
		got = sve_vq_from_vl(sve_get_vl());

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

	fpsimd_atomic_setup();
}

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
 * sve_sysctl_init() - publish abi.sve_default_vector_length
 *
 * There is no such sysctl in this configuration.
 *
 * Return: 0
 */
int __init sve_sysctl_init(void)
{
	return 0;
}
#endif
