/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's programs that must survive a kernel which corrupts user FP
 * state (a broken FP core under test): no libc, whose string functions
 * use the SIMD registers, only raw system calls and byte loops. Built
 * with -mgeneral-regs-only by pipeline/nofp-cc.sh, which checks the binaries
 * for any FP, SIMD or SVE instruction.
 */
#ifndef GUEST_NOFP_H
#define GUEST_NOFP_H

#define NR_DUP3			24
#define NR_GETDENTS64		61
#define NR_IOCTL		29
#define NR_MKDIRAT		34
#define NR_UNLINKAT		35
#define NR_MOUNT		40
#define NR_RENAMEAT		38
#define NR_OPENAT		56
#define NR_CLOSE		57
#define NR_READ			63
#define NR_WRITE		64
#define NR_PPOLL		73
#define NR_SYNC			81
#define NR_EXIT_GROUP		94
#define NR_CLOCK_GETTIME	113
#define NR_KILL			129
#define NR_RT_SIGPROCMASK	135
#define NR_RT_SIGTIMEDWAIT	137
#define NR_REBOOT		142
#define NR_GETPID		172
#define NR_CLONE		220
#define NR_EXECVE		221
#define NR_WAIT4		260

#define AT_FDCWD		(-100)
#define O_RDONLY		0
#define O_WRONLY		1
#define O_RDWR			2
#define O_CREAT			0100
#define O_TRUNC			01000
#define O_DIRECTORY		040000
#define O_CLOEXEC		02000000
#define SIGKILL			9
#define SIGCHLD			17
#define SIG_BLOCK		0
#define SIG_SETMASK		2
#define WNOHANG			1
#define EINTR			4
#define EAGAIN			11
#define CLOCK_MONOTONIC		1

struct nofp_timespec {
	long sec;
	long nsec;
};

static inline long nofp_syscall(long nr, long a, long b, long c, long d,
				long e)
{
	register long x8 asm("x8") = nr;
	register long x0 asm("x0") = a;
	register long x1 asm("x1") = b;
	register long x2 asm("x2") = c;
	register long x3 asm("x3") = d;
	register long x4 asm("x4") = e;

	asm volatile("svc #0"
		     : "+r" (x0)
		     : "r" (x8), "r" (x1), "r" (x2), "r" (x3), "r" (x4)
		     : "memory", "cc");
	return x0;
}

#define sys0(nr)		nofp_syscall(nr, 0, 0, 0, 0, 0)
#define sys1(nr, a)		nofp_syscall(nr, (long)(a), 0, 0, 0, 0)
#define sys2(nr, a, b)		nofp_syscall(nr, (long)(a), (long)(b), 0, 0, 0)
#define sys3(nr, a, b, c)	nofp_syscall(nr, (long)(a), (long)(b), \
					     (long)(c), 0, 0)
#define sys4(nr, a, b, c, d)	nofp_syscall(nr, (long)(a), (long)(b), \
					     (long)(c), (long)(d), 0)
#define sys5(nr, a, b, c, d, e)	nofp_syscall(nr, (long)(a), (long)(b), \
					     (long)(c), (long)(d), (long)(e))

/*
 * The compiler may call these for a structure copy or clear; it is told
 * not to turn their loops into calls of themselves
 * (-fno-tree-loop-distribute-patterns, pipeline/nofp-cc.sh).
 */
void *memset(void *s, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

void *memset(void *s, int c, unsigned long n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static inline unsigned long nofp_strlen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int nofp_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static inline void nofp_puts(int fd, const char *s)
{
	sys3(NR_WRITE, fd, s, nofp_strlen(s));
}

/* Append the decimal digits of v to buf at *len (buf must have room). */
static inline void nofp_append_ulong(char *buf, unsigned long *len,
				     unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		buf[(*len)++] = digits[--n];
	buf[*len] = '\0';
}

static inline void nofp_append(char *buf, unsigned long *len,
			       unsigned long size, const char *s)
{
	while (*s && *len + 1 < size)
		buf[(*len)++] = *s++;
	buf[*len] = '\0';
}

static inline long nofp_parse_ulong(const char *s)
{
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return *s ? -1 : v;
}

static inline long nofp_now(void)
{
	struct nofp_timespec ts;

	sys2(NR_CLOCK_GETTIME, CLOCK_MONOTONIC, &ts);
	return ts.sec;
}

/* SIGCHLD, as rt_sigprocmask and rt_sigtimedwait take it. */
static inline unsigned long nofp_sigchld_set(void)
{
	return 1UL << (SIGCHLD - 1);
}

/* fork(): clone with only SIGCHLD to the parent at exit. */
static inline long nofp_fork(void)
{
	return sys5(NR_CLONE, SIGCHLD, 0, 0, 0, 0);
}

int main(int argc, char **argv, char **envp);

/* The entry point: argc, argv and envp from the initial stack. */
asm(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov	x29, #0\n"
	"	mov	x30, #0\n"
	"	ldr	x0, [sp]\n"
	"	add	x1, sp, #8\n"
	"	add	x2, x1, x0, lsl #3\n"
	"	add	x2, x2, #8\n"
	"	bl	main\n"
	"	mov	x8, #94\n"
	"	svc	#0\n");

#endif
