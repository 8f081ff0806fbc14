/*
 * options: the boot command line (portable: also built on the host and fuzzed).
 *
 * Syntax:  [OPTION ...] [-- APP [ARG ...]]
 *
 * Words are separated by spaces or tabs. A word may be quoted with double
 * quotes, and inside or outside quotes a backslash takes the next character
 * literally, so "hello world" and hello\ world are one word. Everything after
 * a lone "--" belongs to the application: its path and its arguments.
 * Without "--", every word must be a kernel option.
 *
 * Options (see README.md, "Boot options"):
 *   verbose          print the boot log (memory map, timings)
 *   test=NAME        run the in-kernel test NAME instead of an application
 *   env=KEY=VALUE    add KEY=VALUE to the application's environment
 *   fpu=xsave|fxsave how threads' FPU state is saved: xsave (the default)
 *                    uses XSAVE where the CPU lists it; fxsave never does
 *   wx=deny|allow    allow: the application's mmap/mprotect may ask for
 *                    write and execute together (JITs); the kernel's own
 *                    mappings stay W^X. deny is the default.
 *   aslr=on|off      off: every region gets the lowest fit (the fixed,
 *                    OSv-like layout); on is the default
 *   aslr.seed=N      layout decisions come from a generator seeded with N
 *                    only: one layout, reproducible. INSECURE (for
 *                    debugging and experiments); getrandom stays random
 *   layout=show      print "layout REGION 0xADDRESS" for each placed region
 *   heap=hardened|musl  musl: musl's own malloc serves the application
 *                    instead of the hardened allocator (an ablation switch)
 *   guards=on|off|show  off: stacks and heap regions get no guard pages;
 *                    show: list each stack and heap with its guards
 *   canary=random|constant  constant: OSv's stack canary 0x12345678abcdef
 *                    for the kernel and the application (AT_RANDOM)
 *   tmp.size=N[K|M|G]  the most /tmp (a ramfs) may hold, in bytes (K, M,
 *                    G: binary multiples); the default is half of the RAM
 *   ubsan=abort|recover  recover: a SAN=ubsan kernel reports each check
 *                    site once and goes on (refused by other kernels)
 *   ip=ADDR/PREFIX   a static IPv4 address for the first network device
 *                    (dotted quad, prefix 1-32); without it, DHCP
 *   gw=ADDR          the default gateway with ip= (inside its subnet)
 *   netchannels=on|off  off: every received frame goes through lwIP's
 *                    tcpip thread; on (the default): a connected TCP
 *                    socket's frames are processed by its reader
 *   net.wait=SECONDS  how long an application's start waits for the
 *                    first device's DHCP lease (default 10, 0: no wait)
 *   irq.cpu=N        the CPU that takes the devices' interrupts (default
 *                    0, the boot CPU); refused at boot when the guest has
 *                    no CPU N
 *   api=on|off       on: start the REST API (kernel/api/README.md); off,
 *                    the default, runs none of its code
 *   api.addr=A.B.C.D the address it binds (default: all the guest has)
 *   api.port=N       its TCP port, 1-65535 (default 8000)
 *   api.token-file=PATH  the Bearer token, from the boot filesystem
 *                    (default: drawn from the CSPRNG, printed once)
 *   api.write=on|off on: the writing endpoints exist too
 *   api.auth=on|off  off: no token asked, any peer is served (OSv's API;
 *                    the audit's "API open" column, PROFILE=baseline)
 *   (the api.* options but api.auth are refused without api=on: api.auth
 *   alone is accepted so that a profile can bake it in)
 *
 * An unknown option, a value given to a flag, a missing value or a malformed
 * one is an error: options_parse returns a negative errno and writes a
 * one-line message naming the word into err.
 */
#ifndef CARAPACE_OPTIONS_H
#define CARAPACE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_MAX_ARGS 64   /* application path plus arguments */
#define OPTIONS_MAX_ENV  64
#define OPTIONS_MAX_WORDS 256 /* all words on the command line */

enum boot_fpu {
	BOOT_FPU_XSAVE, /* the default */
	BOOT_FPU_FXSAVE,
};

struct boot_options {
	bool verbose;
	enum boot_fpu fpu;
	bool aslr_off;                       /* aslr=off */
	bool aslr_seeded;                    /* aslr.seed=N given */
	uint64_t aslr_seed;
	bool layout_show;                    /* layout=show */
	bool wx_allow;                       /* wx=allow */
	bool heap_musl;                      /* heap=musl */
	bool guards_off;                     /* guards=off */
	bool guards_show;                    /* guards=show */
	bool canary_constant;                /* canary=constant */
	uint64_t tmp_size;                   /* tmp.size=, bytes; 0: the default */
	bool ubsan_recover;                  /* ubsan=recover */
	bool net_static;                     /* ip= given: no DHCP */
	uint32_t net_ip;                     /* ip=ADDR/PREFIX, host byte order */
	uint8_t net_prefix;                  /* 1..32 */
	bool net_gw_set;                     /* gw= given */
	uint32_t net_gw;                     /* host byte order */
	bool netchannels_off;                /* netchannels=off */
	bool net_wait_set;                   /* net.wait= given */
	uint16_t net_wait_s;                 /* net.wait=, seconds */
	bool irq_cpu_set;                    /* irq.cpu= given */
	uint8_t irq_cpu;                     /* irq.cpu=N, 0 to 255 */
	bool api_on;                         /* api=on */
	bool api_write;                      /* api.write=on */
	bool api_addr_set;                   /* api.addr= given */
	uint32_t api_addr;                   /* IPv4, host order */
	uint16_t api_port;                   /* api.port=; 0: the default, 8000 */
	const char *api_token_file;          /* api.token-file=; NULL: drawn */
	bool api_open;                       /* api.auth=off */
	const char *test;                    /* NULL: no in-kernel test */
	int app_argc;                        /* 0: no application given */
	const char *app_argv[OPTIONS_MAX_ARGS + 1]; /* NULL-terminated */
	int envc;
	const char *envp[OPTIONS_MAX_ENV + 1];      /* NULL-terminated */
};

/*
 * Parses cmdline in place (quotes and escapes are removed, words are
 * NUL-terminated inside it), so the strings in *out point into cmdline.
 * cmdline may be NULL (no command line). Returns 0, or -EINVAL / -E2BIG with
 * a message in err (err_size bytes, always NUL-terminated when err_size > 0).
 * On error *out is left zeroed: nothing half-parsed is ever acted on.
 */
int options_parse(char *cmdline, struct boot_options *out,
		  char *err, size_t err_size);

#endif
