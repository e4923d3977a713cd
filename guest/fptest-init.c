// SPDX-License-Identifier: GPL-2.0
/*
 * fptest-init: the test machine's /init, and the launcher of each test.
 *
 * As /init it starts the shell runner (/bin/fptest-runner, guest/runner)
 * and starts it again, up to three times without progress, when it dies
 * before its end: a kernel under test that corrupts user FP state kills
 * busybox too, whose string functions use the SIMD registers, and the
 * tests that would show the corruption must still run. The runner keeps
 * its progress in /tmp/fptest and resumes after the last test started.
 * This program uses no FP, SIMD or SVE register (no libc, built with
 * -mgeneral-regs-only, checked: pipeline/nofp-cc.sh), so no FP
 * corruption reaches it. It also prints the runner's heartbeat
 * (FPTEST-ALIVE, every 30 s) and reports a CPU that accounted no time
 * for a minute (FPTEST-STUCK), for pipeline/watchdog.py. When the runner
 * exits 0 it syncs and powers the machine off.
 *
 * As fptest-run (argv[0]) it runs one test:
 *   fptest-run DIR TIMEOUT PROGRAM [ARGS...]
 * writes its pid to DIR/pid, runs PROGRAM, kills it with SIGKILL after
 * TIMEOUT seconds (having printed where each of its threads was),
 * writes the exit status (128 + signal for a signal) to
 * DIR/rc and exits with it. A runner that dies during a test finds the
 * test's status there once it is started again.
 */
#include "nofp.h"

#define RUNNER		"/bin/fptest-runner"
#define STATE		"/tmp/fptest/at"
#define HEARTBEAT_S	30
#define MAX_STALE	3
#define MAX_CPUS	64
#define LINUX_REBOOT_MAGIC1	0xfee1dead
#define LINUX_REBOOT_MAGIC2	672274793
#define LINUX_REBOOT_CMD_POWER_OFF	0x4321fedc

static char **env;

/*
 * Log a line through the kernel (the console shows it with a timestamp,
 * dmesg keeps it) at LEVEL ("" for the default); before /dev is mounted,
 * and if CONSOLE, straight to the console. The heartbeat and the runner's
 * deaths go at "<2>" (critical), which the console shows whatever the
 * loglevel (the tests boot with loglevel=4, which hides the default level).
 */
static void say(const char *level, const char *line, int console)
{
	int fd = sys4(NR_OPENAT, AT_FDCWD, "/dev/kmsg", O_WRONLY | O_CLOEXEC,
		      0);
	char buf[256];
	unsigned long len = 0;

	if (fd >= 0) {
		nofp_append(buf, &len, sizeof(buf), level);
		nofp_append(buf, &len, sizeof(buf), line);
		nofp_puts(fd, buf);
		sys1(NR_CLOSE, fd);
	} else if (console) {
		nofp_puts(1, line);
	}
}

/* Read a small file into buf (NUL-terminated); its length, or -1. */
static long slurp(const char *path, char *buf, long size)
{
	long n = 0, r;
	int fd = sys4(NR_OPENAT, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	while (n < size - 1) {
		r = sys3(NR_READ, fd, buf + n, size - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	sys1(NR_CLOSE, fd);
	buf[n] = '\0';
	return n;
}

/*
 * Each CPU's total of accounted time from /proc/stat, in ticks. A CPU
 * stuck with interrupts masked accounts none, not even idle time; RCU
 * reports it only while a grace period is pending.
 */
static int cpu_times(unsigned long *t)
{
	static char buf[8192];
	char *p = buf;
	int n = 0;

	if (slurp("/proc/stat", buf, sizeof(buf)) <= 0)
		return 0;
	while (*p && n < MAX_CPUS) {
		if (p[0] == 'c' && p[1] == 'p' && p[2] == 'u' &&
		    p[3] >= '0' && p[3] <= '9') {
			unsigned long sum = 0, v = 0;
			int in = 0;

			p += 3;
			while (*p >= '0' && *p <= '9')
				p++;
			for (; *p && *p != '\n'; p++) {
				if (*p >= '0' && *p <= '9') {
					v = v * 10 + (*p - '0');
					in = 1;
				} else if (in) {
					sum += v;
					v = 0;
					in = 0;
				}
			}
			t[n++] = sum + v;
		}
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	return n;
}

static void heartbeat(void)
{
	static unsigned long prev[2][MAX_CPUS];
	static int nprev[2];
	static int beats;
	unsigned long now[MAX_CPUS];
	int n = cpu_times(now), i, old = beats % 2;

	say("<2>", "FPTEST-ALIVE\n", 0);
	/* prev[old] is from two heartbeats (60 s) ago. */
	for (i = 0; beats >= 2 && i < n && i < nprev[old]; i++) {
		char line[80] = "FPTEST-STUCK: cpu";
		unsigned long len = nofp_strlen(line);

		if (now[i] != prev[old][i])
			continue;
		nofp_append_ulong(line, &len, i);
		nofp_append(line, &len, sizeof(line),
			    " accounted no time for 60 s\n");
		nofp_puts(1, line);
	}
	for (i = 0; i < n; i++)
		prev[old][i] = now[i];
	nprev[old] = n;
	beats++;
}

static long start_runner(int restart, const char *died)
{
	static char restart_env[32], died_env[96];
	static char *const argv[] = { "sh", RUNNER, 0 };
	char *envp[64];
	unsigned long len = 0;
	int n = 0;
	long pid;

	nofp_append(restart_env, &len, sizeof(restart_env), "FPTEST_RESTART=");
	nofp_append_ulong(restart_env, &len, restart);
	len = 0;
	nofp_append(died_env, &len, sizeof(died_env), "FPTEST_DIED=");
	nofp_append(died_env, &len, sizeof(died_env), died);
	envp[n++] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
	envp[n++] = restart_env;
	envp[n++] = died_env;
	for (; env && *env && n < 63; env++)
		envp[n++] = *env;
	envp[n] = 0;

	pid = nofp_fork();
	if (pid == 0) {
		unsigned long none = 0;

		sys4(NR_RT_SIGPROCMASK, SIG_SETMASK, &none, 0, 8);
		sys3(NR_EXECVE, "/bin/sh", argv, envp);
		nofp_puts(2, "fptest-init: cannot execute /bin/sh " RUNNER "\n");
		sys1(NR_EXIT_GROUP, 127);
	}
	return pid;
}

static void describe_status(char *buf, unsigned long size, int status)
{
	unsigned long len = 0;

	buf[0] = '\0';
	if ((status & 0x7f) == 0) {
		nofp_append(buf, &len, size, "exit ");
		nofp_append_ulong(buf, &len, (status >> 8) & 0xff);
	} else {
		nofp_append(buf, &len, size, "signal ");
		nofp_append_ulong(buf, &len, status & 0x7f);
	}
}

static void power_off(void)
{
	sys0(NR_SYNC);
	sys4(NR_REBOOT, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	     LINUX_REBOOT_CMD_POWER_OFF, 0);
	for (;;)
		sys4(NR_PPOLL, 0, 0, 0, 0);
}

static void supervise(void)
{
	unsigned long set = nofp_sigchld_set();
	char last[64] = "", at[64], how[32], line[192];
	int restarts = 0, stale = 0, status;
	long runner, next = nofp_now() + HEARTBEAT_S, pid;

	/*
	 * /proc and /dev for the heartbeat and /dev/kmsg: a runner that dies
	 * before it mounts them must still be logged in dmesg, which the
	 * report reads. The runner mounts what is not mounted yet.
	 */
	sys5(NR_MOUNT, "proc", "/proc", "proc", 0, 0);
	sys5(NR_MOUNT, "devtmpfs", "/dev", "devtmpfs", 0, 0);
	sys4(NR_RT_SIGPROCMASK, SIG_BLOCK, &set, 0, 8);
	runner = start_runner(0, "");
	for (;;) {
		struct nofp_timespec ts = { next - nofp_now(), 0 };

		if (ts.sec > 0)
			sys4(NR_RT_SIGTIMEDWAIT, &set, 0, &ts, 8);
		if (nofp_now() >= next) {
			heartbeat();
			next += HEARTBEAT_S;
		}
		/* Reap every child: the runner's orphans come here too. */
		while ((pid = sys4(NR_WAIT4, -1, &status, WNOHANG, 0)) > 0) {
			unsigned long len = 0;

			if (pid != runner)
				continue;
			if (status == 0)
				power_off();
			describe_status(how, sizeof(how), status);
			if (slurp(STATE, at, sizeof(at)) < 0)
				nofp_append(at, &len, sizeof(at), "setup\n");
			stale = nofp_streq(at, last) ? stale + 1 : 0;
			len = 0;
			nofp_append(last, &len, sizeof(last), at);
			len = 0;
			nofp_append(line, &len, sizeof(line),
				    "FPTEST-RUNNER-DIED: ");
			nofp_append(line, &len, sizeof(line), how);
			nofp_append(line, &len, sizeof(line), " at ");
			nofp_append(line, &len, sizeof(line), at);
			if (len && line[len - 1] == '\n')
				line[--len] = '\0';
			if (stale >= MAX_STALE) {
				nofp_append(line, &len, sizeof(line),
					    "; no progress in 3 restarts, giving up\n");
				say("<2>", line, 1);
				power_off();
			}
			nofp_append(line, &len, sizeof(line), "; restart ");
			nofp_append_ulong(line, &len, ++restarts);
			nofp_append(line, &len, sizeof(line), "\n");
			say("<2>", line, 1);
			runner = start_runner(restarts, how);
		}
	}
}

static int write_file(const char *dir, const char *name, unsigned long v)
{
	char path[256], tmp[256], buf[32];
	unsigned long len = 0, tlen, blen = 0;
	int fd;

	nofp_append(path, &len, sizeof(path), dir);
	nofp_append(path, &len, sizeof(path), "/");
	nofp_append(path, &len, sizeof(path), name);
	tlen = 0;
	nofp_append(tmp, &tlen, sizeof(tmp), path);
	nofp_append(tmp, &tlen, sizeof(tmp), ".tmp");
	nofp_append_ulong(buf, &blen, v);
	nofp_append(buf, &blen, sizeof(buf), "\n");
	fd = sys4(NR_OPENAT, AT_FDCWD, tmp,
		  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	sys3(NR_WRITE, fd, buf, blen);
	sys1(NR_CLOSE, fd);
	return sys4(NR_RENAMEAT, AT_FDCWD, tmp, AT_FDCWD, path);
}

/* Print TASKS/TID/FILE (TASKS: /proc/PID/task) to stderr, lines prefixed. */
static void print_task_file(const char *tasks, const char *tid,
			    const char *file)
{
	char path[96], buf[2048], line[160];
	unsigned long plen = 0, llen = 0;
	long n, i;

	nofp_append(path, &plen, sizeof(path), tasks);
	nofp_append(path, &plen, sizeof(path), "/");
	nofp_append(path, &plen, sizeof(path), tid);
	nofp_append(path, &plen, sizeof(path), "/");
	nofp_append(path, &plen, sizeof(path), file);
	n = slurp(path, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (!llen) {
			nofp_append(line, &llen, sizeof(line), "fptest-run: ");
			nofp_append(line, &llen, sizeof(line), tid);
			nofp_append(line, &llen, sizeof(line), " ");
			nofp_append(line, &llen, sizeof(line), file);
			nofp_append(line, &llen, sizeof(line), ": ");
		}
		if (buf[i] != '\n' && llen + 2 < sizeof(line)) {
			line[llen++] = buf[i];
			line[llen] = '\0';
		}
		if (buf[i] == '\n' || i == n - 1) {
			nofp_append(line, &llen, sizeof(line), "\n");
			nofp_puts(2, line);
			llen = 0;
		}
	}
}

/*
 * A test ran out of time: before it is killed, say where each of its
 * threads is (state, system call and user PC, kernel stack), and have
 * the kernel log every CPU's backtrace (sysrq l, in the dmesg dump).
 */
static void report_stuck(long pid)
{
	static const char *const files[] = { "stat", "syscall", "stack" };
	struct dirent64 {
		unsigned long ino;
		long off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	} *d;
	char path[48], ents[1024];
	unsigned long plen = 0;
	long dir, n, off;
	int fd;
	unsigned long f;

	nofp_append(path, &plen, sizeof(path), "/proc/");
	nofp_append_ulong(path, &plen, pid);
	nofp_append(path, &plen, sizeof(path), "/task");
	dir = sys4(NR_OPENAT, AT_FDCWD, path,
		   O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dir < 0)
		return;
	while ((n = sys3(NR_GETDENTS64, dir, ents, sizeof(ents))) > 0) {
		for (off = 0; off < n; off += d->reclen) {
			d = (struct dirent64 *)(ents + off);
			if (d->name[0] == '.')
				continue;
			for (f = 0; f < sizeof(files) / sizeof(files[0]); f++)
				print_task_file(path, d->name, files[f]);
		}
	}
	sys1(NR_CLOSE, dir);
	fd = sys4(NR_OPENAT, AT_FDCWD, "/proc/sysrq-trigger",
		  O_WRONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		sys3(NR_WRITE, fd, "l", 1);
		sys1(NR_CLOSE, fd);
	}
}

static int run_test(int argc, char **argv, char **envp)
{
	unsigned long set = nofp_sigchld_set(), none = 0;
	long tmo, pid, r, deadline;
	int status = 0, rc;

	tmo = argc < 4 ? -1 : nofp_parse_ulong(argv[2]);
	if (tmo < 0) {
		nofp_puts(2, "usage: fptest-run DIR TIMEOUT PROGRAM [ARGS...]\n");
		return 2;
	}
	write_file(argv[1], "pid", sys0(NR_GETPID));
	sys4(NR_RT_SIGPROCMASK, SIG_BLOCK, &set, 0, 8);
	pid = nofp_fork();
	if (pid == 0) {
		sys4(NR_RT_SIGPROCMASK, SIG_SETMASK, &none, 0, 8);
		sys3(NR_EXECVE, argv[3], argv + 3, envp);
		nofp_puts(2, "fptest-run: cannot execute ");
		nofp_puts(2, argv[3]);
		nofp_puts(2, "\n");
		sys1(NR_EXIT_GROUP, 127);
	}
	if (pid < 0)
		return 126;
	deadline = nofp_now() + tmo;
	for (;;) {
		struct nofp_timespec ts = { deadline - nofp_now(), 0 };

		r = sys4(NR_WAIT4, pid, &status, WNOHANG, 0);
		if (r == pid)
			break;
		if (ts.sec <= 0) {
			report_stuck(pid);
			sys2(NR_KILL, pid, SIGKILL);
			sys4(NR_WAIT4, pid, &status, 0, 0);
			break;
		}
		sys4(NR_RT_SIGTIMEDWAIT, &set, 0, &ts, 8);
	}
	if ((status & 0x7f) == 0)
		rc = (status >> 8) & 0xff;
	else
		rc = 128 + (status & 0x7f);
	write_file(argv[1], "rc", rc);
	return rc;
}

int main(int argc, char **argv, char **envp)
{
	const char *name = argv[0], *p;

	for (p = name; *p; p++)
		if (*p == '/')
			name = p + 1;
	if (nofp_streq(name, "fptest-run"))
		return run_test(argc, argv, envp);
	env = envp;
	supervise();
	return 0;
}
