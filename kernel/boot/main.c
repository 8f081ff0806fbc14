/*
 * kmain: from the boot code to the application (or, for now, to the
 * built-in demo or an in-kernel test). The order matters: the console first
 * so that anything can be reported, the IDT before anything can fault, the
 * command line before anything is done that an option could change.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/app.h>
#include <carapace/app_heap.h>
#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/boot.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/hardening.h>
#include <carapace/kasan.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/net.h>
#include <carapace/options.h>
#include <carapace/panic.h>
#include <carapace/pci.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/sched.h>
#include <carapace/ubsan.h>
#include <carapace/virtio.h>
#include <carapace/virtio_net.h>
#include <carapace/virtio_pci.h>

#define IST_STACK_SIZE    (16 * 1024)
#define MAIN_STACK_SIZE   (64 * 1024)
#define ERR_SIZE          512

extern uint64_t boot_entry_tsc;
extern uint32_t boot_multiboot_magic, boot_multiboot_info;

static struct boot_info boot_info;
static char cmdline_copy[BOOT_CMDLINE_MAX]; /* options_parse cuts up the original */
/* The build profile's default options (Makefile PROFILE), then the command line. */
static char profile_cmdline[sizeof(PROFILE_BOOT_OPTIONS) + 1 + BOOT_CMDLINE_MAX];
static struct boot_options options;

/* A boot that cannot go on because of what it was asked: say why, and stop. */
static __attribute__((noreturn)) void refuse_boot(const char *why)
{
	kprintf("carapace: %s\n", why);
	power_exit(EXIT_BOOT_REFUSED);
}

/* Moves every IST slot from its early .bss stack to one between guard pages. */
static void install_guarded_ist_stacks(void)
{
	for (int slot = 1; slot <= IST_COUNT; slot++) {
		uint64_t top = memory_alloc_stack(cpu_ist_name(slot), IST_STACK_SIZE);

		if (!top)
			panic("no memory for the %s", cpu_ist_name(slot));
		cpu_set_ist(slot, top);
	}
}

/*
 * profile_cmdline = the profile's options, a space, the command line's
 * (sized for both). Not fmt_snprintf: under QEMU's TCG, code that runs
 * before fpu_init_cpu is translated again after it (the FPU bits are part
 * of each translated block's key), and the formatter is large.
 */
static void join_profile_options(const char *cmdline)
{
	size_t profile_len = sizeof(PROFILE_BOOT_OPTIONS) - 1;
	size_t len = strnlen(cmdline, BOOT_CMDLINE_MAX - 1);

	memcpy(profile_cmdline, PROFILE_BOOT_OPTIONS, profile_len);
	profile_cmdline[profile_len] = ' ';
	memcpy(profile_cmdline + profile_len + 1, cmdline, len);
	profile_cmdline[profile_len + 1 + len] = '\0';
}

/* Every line is klog's: without verbose, not even their arguments are computed. */
static void print_boot_log(uint64_t main_tsc)
{
	uint64_t ns;

	if (!console_verbose)
		return;
	ns = clock_tsc_to_ns(main_tsc - boot_entry_tsc);
	klog("boot: command line: %s\n", cmdline_copy);
	klog("boot: entry to main %llu.%03llu us\n", (unsigned long long)(ns / 1000),
	     (unsigned long long)(ns % 1000));
	klog("clock: tsc %llu kHz (from %s)\n",
	     (unsigned long long)(clock_tsc_hz() / 1000), clock_source());
	memory_print_summary();
	for (int i = 0; i < options.envc; i++)
		klog("env: %s\n", options.envp[i]);
	for (int i = 0; i < options.app_argc; i++)
		klog("arg %d: %s\n", i, options.app_argv[i]);
}

static void demo(void)
{
	kprintf("Hello from Carapace! This demo runs in ring 0 in the kernel's own "
		"address space, %llu MiB of RAM free, %llu us after boot.\n",
		(unsigned long long)(memory_free_frames() * 4096 / (1024 * 1024)),
		(unsigned long long)(clock_ns() / 1000));
}

/* The stand-in for images without musl (libc/app.c is the real one). */
__attribute__((weak)) int app_run(int argc, const char *const *argv, int envc,
				  const char *const *envp, char *err, size_t errlen)
{
	(void)argc;
	(void)envc;
	(void)envp;
	fmt_snprintf(err, errlen, "cannot run '%s': this kernel image has no libc "
		     "(make kernel-libc builds one that has)", argv[0]);
	return -ENOSYS;
}

/* net.wait='s default: long enough for a slow DHCP server, short for a wrong --net. */
#define NET_WAIT_DEFAULT_S 10

/*
 * An application's first connect or sendto needs an address: with a
 * network device on DHCP, its start waits for the lease (net.wait=), as a
 * Linux guest's network-online target does. Nothing to wait for without a
 * device or with ip=.
 */
static void wait_for_network(void)
{
	uint64_t s = options.net_wait_set ? options.net_wait_s : NET_WAIT_DEFAULT_S;
	uint64_t t0 = clock_ns();

	if (s == 0)
		return;
	if (!net_wait_address(s * 1000000000ull))
		kprintf("carapace: warning: net.wait: no DHCP lease for the first network device "
			"after %llu s: the application starts without an IPv4 address\n",
			(unsigned long long)s);
	else if (clock_ns() - t0 >= 1000000)
		klog("net: the application's start waited %llu ms for the DHCP lease\n",
		     (unsigned long long)((clock_ns() - t0) / 1000000));
}

/* Runs on the guard-paged main stack, as thread "main" once the scheduler is up. */
static __attribute__((noreturn)) void kmain_on_stack(void *arg)
{
	char err[ERR_SIZE];
	int status;

	(void)arg;
	sched_init();
	boot_step("aps-sched");
	if (options.irq_cpu_set && options.irq_cpu >= cpu_count) {
		fmt_snprintf(err, sizeof(err), "boot option 'irq.cpu=%u': the guest has %u CPU%s (0 to %u)",
			     options.irq_cpu, cpu_count, cpu_count == 1 ? "" : "s", cpu_count - 1);
		refuse_boot(err);
	}
	if (fs_init(&boot_info, options.tmp_size, err, sizeof(err)))
		refuse_boot(err);
	boot_step("fs");
	net_init(&options); /* the stack starts on first need, with threads */
	/* The network device's driver runs in a thread of its own. */
	virtio_net_init();
	boot_step("net");
	/* The REST API: nothing of it runs without api=on (kernel/api/README.md). */
	if (options.api_on)
		api_start(&options, cmdline_copy);
	/* Every CPU is up: what boot wrote once becomes read-only. */
	hardening_seal();
	boot_step("api-seal");
	if (hardening->guards_show)
		hardening_show_guards();
	if (options.test) {
		status = ktest_run(options.test, err, sizeof(err));
		if (status < 0)
			refuse_boot(err);
		power_exit(status);
	}
	if (options.app_argc) {
		wait_for_network();
		boot_step("net-wait");
		app_run(options.app_argc, options.app_argv, options.envc, options.envp, err,
			sizeof(err));
		kprintf("carapace: %s\n", err);
		power_exit(EXIT_BOOT_REFUSED);
	}
	demo();
	power_exit(EXIT_OK);
}

/*
 * No stack protector: the canary is set in here (hardening_init), and kmain
 * never returns. No SAN=kasan redzones: the boot stack has no shadow yet
 * when it starts.
 */
__no_stack_protector __no_sanitize_address void kmain(void)
{
	uint64_t main_tsc = rdtsc();
	char err[ERR_SIZE];
	uint64_t stack_top;

	kasan_early_init(); /* SAN=kasan: before any frame with redzones */
	console_init();
	cpu_init();
	boot_step("console-cpu");
	if (multiboot_read(boot_multiboot_magic, boot_multiboot_info, &boot_info,
			   err, sizeof(err)))
		refuse_boot(err);
	if (boot_info.cmdline_truncated)
		refuse_boot("the command line is too long (at most 4095 bytes)");
	memcpy(cmdline_copy, boot_info.cmdline, sizeof(cmdline_copy));
	join_profile_options(boot_info.cmdline);
	if (options_parse(profile_cmdline, &options, err, sizeof(err)))
		refuse_boot(err);
	console_verbose = options.verbose;
#ifdef CARAPACE_SAN_UBSAN
	ubsan_init(options.ubsan_recover);
#else
	if (options.ubsan_recover)
		refuse_boot("boot option 'ubsan=recover': this kernel is not built with "
			    "SAN=ubsan");
#endif
	fpu_allow_xsave(options.fpu != BOOT_FPU_FXSAVE);
	/*
	 * As soon as fpu= is known: under QEMU's TCG the FPU bits of CR0, CR4
	 * and XCR0 are part of the key of each translated block, so all code
	 * run before they change is translated again after (a fifth of the
	 * boot's translations when this came with the scheduler).
	 */
	fpu_init_cpu();
	aslr_init(&options); /* seeds the random generators */
	hardening_init(&options); /* the settings, and the stack canary from here on */
	if (options.irq_cpu_set)
		irq_set_device_cpu(options.irq_cpu); /* checked below, once the CPUs are up */
	boot_step("options-aslr-hardening");
	if (clock_init())
		panic("cannot calibrate the TSC: no CPUID leaf 0x15/0x16, kvmclock or PIT");
	boot_step("clock");
	if (memory_init(&boot_info, err, sizeof(err)))
		refuse_boot(err);
	/*
	 * The calibrations count while the boot works: the PIT's count began
	 * in clock_init and ends here; the LAPIC timer's begins here (its
	 * registers need memory_init's mappings) and ends in smp_init.
	 */
	clock_init_finish();
	lapic_calibration_start();
	rtc_init();
	boot_step("rtc-memory");
	/* A device seed source needs mapped registers and DMA memory. */
	pci_init();
	virtio_pci_init();
	virtio_rng_init();
	random_boot_report();
	aslr_reseed_layout(); /* what is placed from here on gets the device's bytes too */
	app_heap_init(hardening->heap_musl);
	boot_step("devices-random-app-heap");
	install_guarded_ist_stacks();
	print_boot_log(main_tsc);

	stack_top = memory_alloc_stack("kernel-main", MAIN_STACK_SIZE);
	if (!stack_top)
		panic("no memory for the main kernel stack");
	arch_run_on_stack(stack_top, kmain_on_stack, NULL);
}
