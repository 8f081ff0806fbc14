/*
 * The text of /proc's system files and of /etc/services, in the formats
 * Linux gives them, for programs that read them rather than ask a system
 * call: memory (/proc/meminfo), the processors (/proc/cpuinfo), time up
 * and idle (/proc/uptime), the kernel (/proc/version). Each is made at
 * each read from what the kernel knows then (procfs.c); nothing is made
 * up: a field the kernel has no figure for is left out, not filled with
 * a guess. Kernel-only (CPUID, the frame allocator, the threads).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/clock.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/memory.h>
#include <carapace/percpu.h>
#include <carapace/procfs.h>
#include <carapace/thread.h>
#include <carapace/uname.h>

#include "proc_system.h"

#define KIB_PER_FRAME 4

/*
 * Appends to the text in buf (len bytes) at *at, as snprintf would: *at
 * grows by the whole piece's length even when buf is full, so that the
 * generator returns the length the whole text has (procfs.h).
 */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t len, int *at, const char *fmt, ...)
{
	size_t off = (size_t)*at;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += n;
}

/*
 * /proc/meminfo: the frames the kernel can hand out and those free now.
 * Nothing is cached or swapped (no page cache, no swap): those fields are 0
 * as on a Linux machine without them. MemAvailable is what an allocation
 * could get: the free frames.
 */
int proc_meminfo_format(char *buf, size_t len)
{
	uint64_t total = memory_usable_frames() * KIB_PER_FRAME;
	uint64_t free = memory_free_frames() * KIB_PER_FRAME;
	int at = 0;

	put(buf, len, &at, "MemTotal:       %8llu kB\n", (unsigned long long)total);
	put(buf, len, &at, "MemFree:        %8llu kB\n", (unsigned long long)free);
	put(buf, len, &at, "MemAvailable:   %8llu kB\n", (unsigned long long)free);
	put(buf, len, &at, "Buffers:               0 kB\nCached:                0 kB\n"
			  "SwapCached:            0 kB\nSwapTotal:             0 kB\n"
			  "SwapFree:              0 kB\n");
	return at;
}

/* CPUID feature bits and Linux's names for them (arch/x86/include/asm/cpufeatures.h's). */
struct cpu_flag {
	uint32_t leaf, reg, bit; /* reg: 1 ebx, 2 ecx, 3 edx */
	const char *name;
};

static const struct cpu_flag cpu_flags[] = {
	{ 1, 3, 0, "fpu" }, { 1, 3, 1, "vme" }, { 1, 3, 2, "de" }, { 1, 3, 3, "pse" },
	{ 1, 3, 4, "tsc" }, { 1, 3, 5, "msr" }, { 1, 3, 6, "pae" }, { 1, 3, 7, "mce" },
	{ 1, 3, 8, "cx8" }, { 1, 3, 9, "apic" }, { 1, 3, 11, "sep" }, { 1, 3, 12, "mtrr" },
	{ 1, 3, 13, "pge" }, { 1, 3, 14, "mca" }, { 1, 3, 15, "cmov" }, { 1, 3, 16, "pat" },
	{ 1, 3, 17, "pse36" }, { 1, 3, 19, "clflush" }, { 1, 3, 23, "mmx" },
	{ 1, 3, 24, "fxsr" }, { 1, 3, 25, "sse" }, { 1, 3, 26, "sse2" }, { 1, 3, 28, "ht" },
	{ 0x80000001, 3, 11, "syscall" }, { 0x80000001, 3, 20, "nx" },
	{ 0x80000001, 3, 26, "pdpe1gb" }, { 0x80000001, 3, 27, "rdtscp" },
	{ 0x80000001, 3, 29, "lm" },
	{ 1, 2, 0, "pni" }, { 1, 2, 1, "pclmulqdq" }, { 1, 2, 9, "ssse3" }, { 1, 2, 12, "fma" },
	{ 1, 2, 13, "cx16" }, { 1, 2, 19, "sse4_1" }, { 1, 2, 20, "sse4_2" },
	{ 1, 2, 21, "x2apic" }, { 1, 2, 22, "movbe" }, { 1, 2, 23, "popcnt" },
	{ 1, 2, 24, "tsc_deadline_timer" }, { 1, 2, 25, "aes" }, { 1, 2, 26, "xsave" },
	{ 1, 2, 28, "avx" }, { 1, 2, 29, "f16c" }, { 1, 2, 30, "rdrand" },
	{ 1, 2, 31, "hypervisor" },
	{ 0x80000001, 2, 0, "lahf_lm" }, { 0x80000001, 2, 5, "abm" },
	{ 7, 1, 0, "fsgsbase" }, { 7, 1, 3, "bmi1" }, { 7, 1, 5, "avx2" }, { 7, 1, 7, "smep" },
	{ 7, 1, 8, "bmi2" }, { 7, 1, 9, "erms" }, { 7, 1, 10, "invpcid" },
	{ 7, 1, 16, "avx512f" }, { 7, 1, 18, "rdseed" }, { 7, 1, 19, "adx" },
	{ 7, 1, 20, "smap" }, { 7, 1, 23, "clflushopt" }, { 7, 1, 29, "sha_ni" },
};

static uint32_t max_leaf(uint32_t base)
{
	uint32_t r[4];

	cpuid(base, 0, r);
	return r[0];
}

/*
 * /proc/cpuinfo: one block per CPU online, with what CPUID says (every
 * CPU of a QEMU machine reports the same model, so it is read once, on
 * whichever CPU runs the read). "cpu MHz" is the TSC's rate the clock
 * measured at boot.
 */
int proc_cpuinfo_format(char *buf, size_t len)
{
	uint32_t r[4], basic = max_leaf(0), ext = max_leaf(0x80000000);
	uint32_t regs[3][4] = { { 0 } }; /* leaves 1, 7, 0x80000001 */
	char vendor[13], model[49] = "unknown";
	unsigned family, model_no, stepping;
	uint64_t hz = clock_tsc_hz();
	int at = 0;

	cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	cpuid(1, 0, regs[0]);
	if (basic >= 7)
		cpuid(7, 0, regs[1]);
	if (ext >= 0x80000001)
		cpuid(0x80000001, 0, regs[2]);
	if (ext >= 0x80000004) {
		char *p = model;

		for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++, p += 16)
			cpuid(leaf, 0, (uint32_t *)p);
		model[48] = '\0';
		for (p = model; *p == ' '; p++)
			;
		memmove(model, p, strlen(p) + 1);
	}
	family = (regs[0][0] >> 8) & 0xf;
	model_no = (regs[0][0] >> 4) & 0xf;
	stepping = regs[0][0] & 0xf;
	if (family == 0xf)
		family += (regs[0][0] >> 20) & 0xff;
	if (family >= 6)
		model_no |= ((regs[0][0] >> 16) & 0xf) << 4;
	for (unsigned cpu = 0; cpu < cpu_count; cpu++) {
		put(buf, len, &at,
		    "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		    "model name\t: %s\nstepping\t: %u\n",
		    cpu, vendor, family, model_no, model, stepping);
		if (hz)
			put(buf, len, &at, "cpu MHz\t\t: %llu.%03llu\n",
			    (unsigned long long)(hz / 1000000),
			    (unsigned long long)(hz / 1000 % 1000));
		put(buf, len, &at, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
				  "fpu\t\t: yes\nflags\t\t:",
		    cpu_count, cpu, cpu_count);
		for (size_t i = 0; i < sizeof(cpu_flags) / sizeof(cpu_flags[0]); i++) {
			const struct cpu_flag *f = &cpu_flags[i];
			const uint32_t *set = f->leaf == 1 ? regs[0] : f->leaf == 7 ? regs[1] : regs[2];

			if (set[f->reg] & (1u << f->bit))
				put(buf, len, &at, " %s", f->name);
		}
		put(buf, len, &at, "\n\n");
	}
	return at;
}

static void add_idle(const struct thread_info *ti, void *arg)
{
	uint64_t *idle_ns = arg;

	if (strncmp(ti->name, "idle", 4) == 0)
		*idle_ns += ti->cpu_time_ns;
}

/* /proc/uptime: seconds since boot, and the CPUs' idle seconds summed (their idle threads' time). */
int proc_uptime_format(char *buf, size_t len)
{
	uint64_t up = clock_ns() / 10000000, idle_ns = 0, idle;
	int at = 0;

	thread_for_each(add_idle, &idle_ns);
	idle = idle_ns / 10000000;
	put(buf, len, &at, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 100),
	    (unsigned long long)(up % 100), (unsigned long long)(idle / 100),
	    (unsigned long long)(idle % 100));
	return at;
}

/* /proc/version: what uname(2) says, in Linux's sentence. */
int proc_version_format(char *buf, size_t len)
{
	int at = 0;

	put(buf, len, &at, "%s version %s (clang) %s\n", UNAME_SYSNAME, UNAME_RELEASE,
	    UNAME_VERSION);
	return at;
}

/* ---- /proc/self: the application (one process, pid fs_app_process()->pid) ---- */

#define COMM_MAX 15 /* Linux's TASK_COMM_LEN less its NUL */

/* The command name: the application file's last component, cut as Linux's. */
static void comm_of(char out[COMM_MAX + 1])
{
	const char *base = fs_app_exe();
	size_t n;

	for (const char *c = base; *c; c++)
		if (*c == '/')
			base = c + 1;
	n = strlen(base);

	if (n > COMM_MAX)
		n = COMM_MAX;
	memcpy(out, base, n);
	out[n] = '\0';
}

static int thread_count(const struct fs_app_process *p)
{
	return p->threads ? p->threads() : 1;
}

/*
 * /proc/self/status: the lines programs look for, in Linux's format (a
 * tab after the colon). Everything runs as root (uid and gid 0, as
 * getuid says), always running (R), pid as getpid, no parent (PPid 0).
 * No VmRSS/VmSize: the kernel counts the machine's frames, not the
 * application's, and a figure it does not have is left out.
 */
int proc_self_status_format(char *buf, size_t len)
{
	const struct fs_app_process *p = fs_app_process();
	uint64_t pending = 0, blocked = 0, ignored = 0, caught = 0;
	char comm[COMM_MAX + 1];
	int at = 0;

	comm_of(comm);
	if (p->signals)
		p->signals(&pending, &blocked, &ignored, &caught);
	put(buf, len, &at, "Name:\t%s\nUmask:\t0022\nState:\tR (running)\n", comm);
	put(buf, len, &at, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t0\nTracerPid:\t0\n", p->pid,
	    p->pid);
	put(buf, len, &at, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n");
	put(buf, len, &at, "Threads:\t%d\n", thread_count(p));
	put(buf, len, &at, "SigPnd:\t%016llx\nShdPnd:\t%016llx\n", (unsigned long long)pending,
	    (unsigned long long)pending);
	put(buf, len, &at, "SigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
	    (unsigned long long)blocked, (unsigned long long)ignored, (unsigned long long)caught);
	return at;
}

/*
 * /proc/self/stat: Linux's one line of 52 fields (proc(5)): pid (comm)
 * state ppid pgrp session tty tpgid flags, the fault counts, the times,
 * priority 20, nice 0, the thread count, ... Fields with no figure here
 * are 0: the CPU times, vsize and rss (field 24, what redis's
 * zmalloc_get_rss reads: 0 makes it fall back to its own count), the
 * addresses; rsslim is unlimited, exit_signal SIGCHLD (17).
 */
int proc_self_stat_format(char *buf, size_t len)
{
	const struct fs_app_process *p = fs_app_process();
	char comm[COMM_MAX + 1];
	int at = 0;

	comm_of(comm);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	put(buf, len, &at, "%d (%s) R 0 %d %d 0 -1 0 ", p->pid, comm, p->pid, p->pid);
	/* 10-19: minflt cminflt majflt cmajflt utime stime cutime cstime priority nice */
	put(buf, len, &at, "0 0 0 0 0 0 0 0 20 0 ");
	/* 20-25: num_threads itrealvalue starttime vsize rss rsslim */
	put(buf, len, &at, "%d 0 0 0 0 18446744073709551615 ", thread_count(p));
	/* 26-37: startcode endcode startstack kstkesp kstkeip signal blocked
	 * sigignore sigcatch wchan nswap cnswap (the old signal fields: 0 as
	 * Linux says to read status instead) */
	put(buf, len, &at, "0 0 0 0 0 0 0 0 0 0 0 0 ");
	/* 38-52: exit_signal processor rt_priority policy delayacct_blkio_ticks
	 * guest_time cguest_time start_data end_data start_brk arg_start
	 * arg_end env_start env_end exit_code */
	put(buf, len, &at, "17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	return at;
}

/* /proc/self/cmdline: argv, each string with its NUL (fs_app_set_cmdline). */
int proc_self_cmdline_format(char *buf, size_t len)
{
	const char *text;
	size_t n = fs_app_cmdline(&text);

	memcpy(buf, text, n < len ? n : len);
	return (int)n;
}

/*
 * /etc/services: the well-known ports by name, for getservbyname and
 * getaddrinfo's service names ("http"); musl reads only this file. The
 * names and numbers are IANA's registry's.
 */
static const struct {
	const char *name;
	unsigned port;
	bool udp;
} services[] = {
	{ "echo", 7, true }, { "discard", 9, true }, { "daytime", 13, true },
	{ "ftp-data", 20, false }, { "ftp", 21, false }, { "ssh", 22, true },
	{ "telnet", 23, false }, { "smtp", 25, false }, { "time", 37, true },
	{ "domain", 53, true }, { "bootps", 67, true }, { "bootpc", 68, true },
	{ "tftp", 69, true }, { "http", 80, true }, { "pop3", 110, false },
	{ "sunrpc", 111, true }, { "ntp", 123, true }, { "imap", 143, false },
	{ "snmp", 161, true }, { "ldap", 389, true }, { "https", 443, true },
	{ "submission", 587, false }, { "ldaps", 636, true }, { "imaps", 993, false },
	{ "pop3s", 995, false }, { "mysql", 3306, false }, { "postgresql", 5432, false },
	{ "redis", 6379, false }, { "http-alt", 8080, false }, { "memcache", 11211, true },
};

int etc_services_format(char *buf, size_t len)
{
	int at = 0;

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		put(buf, len, &at, "%s\t\t%u/tcp\n", services[i].name, services[i].port);
		if (services[i].udp)
			put(buf, len, &at, "%s\t\t%u/udp\n", services[i].name, services[i].port);
	}
	return at;
}
