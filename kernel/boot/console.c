/* The kernel console: printf-style output on the serial port. */
#include <stdarg.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/spinlock.h>
#include <stdbool.h>
#include <stdint.h>

bool console_verbose;

void console_init(void)
{
	serial_init();
}

/*
 * The log: the last CONSOLE_LOG_SIZE bytes printed, for the REST API's
 * /os/dmesg. log_total counts every byte ever logged; byte i sits at
 * i % CONSOLE_LOG_SIZE.
 */
#define CONSOLE_LOG_SIZE 16384
static char log_ring[CONSOLE_LOG_SIZE];
static uint64_t log_total;
static int log_busy; /* atomic: 1 while a writer or console_log_copy holds the ring */
static bool log_stopped; /* console_stop_logging */

/*
 * Takes the ring, giving up after a bounded spin: a crash report printed
 * from a fault taken while this CPU held it must still reach the serial
 * port (its bytes are then missing from the log, never from the console).
 */
static bool log_take(void)
{
	for (unsigned i = 0; i < 1000000; i++) {
		if (__atomic_exchange_n(&log_busy, 1, __ATOMIC_ACQUIRE) == 0)
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

static void log_give(void)
{
	__atomic_store_n(&log_busy, 0, __ATOMIC_RELEASE);
}

void console_stop_logging(void)
{
	__atomic_store_n(&log_stopped, true, __ATOMIC_RELEASE);
}

void console_write(const char *s, size_t n)
{
	uint64_t flags = spin_irq_save();

	if (!__atomic_load_n(&log_stopped, __ATOMIC_ACQUIRE) && log_take()) {
		for (size_t i = 0; i < n; i++)
			log_ring[(log_total + i) % CONSOLE_LOG_SIZE] = s[i];
		log_total += n;
		log_give();
	}
	spin_irq_restore(flags);
	serial_write(s, n);
}

void console_write_unlogged(const char *s, size_t n)
{
	serial_write(s, n);
}

size_t console_log_copy(char *buf, size_t size)
{
	uint64_t flags = spin_irq_save(), n = 0;

	if (log_take()) {
		n = log_total < CONSOLE_LOG_SIZE ? log_total : CONSOLE_LOG_SIZE;
		if (n > size)
			n = size;
		for (uint64_t i = 0; i < n; i++)
			buf[i] = log_ring[(log_total - n + i) % CONSOLE_LOG_SIZE];
		log_give();
	}
	spin_irq_restore(flags);
	return (size_t)n;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}

int klog(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!console_verbose)
		return 0;
	va_start(ap, fmt);
	n = fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}
