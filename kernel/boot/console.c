/* The kernel console: printf-style output on the serial port. */
#include <stdarg.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/spinlock.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

/*
 * One write reaches the log and the serial port whole: the ring is held,
 * with interrupts off, until the last byte is out, so that neither another
 * CPU's write nor a thread preempting this one lands in the middle of it
 * (kprintf makes one write of each line, up to KPRINTF_CHUNK bytes).
 */
void console_write(const char *s, size_t n)
{
	uint64_t flags = spin_irq_save();
	bool held = !__atomic_load_n(&log_stopped, __ATOMIC_ACQUIRE) && log_take();

	if (held) {
		for (size_t i = 0; i < n; i++)
			log_ring[(log_total + i) % CONSOLE_LOG_SIZE] = s[i];
		log_total += n;
	}
	serial_write(s, n);
	if (held)
		log_give();
	spin_irq_restore(flags);
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

/*
 * kprintf's output gathered into one console_write per KPRINTF_CHUNK
 * bytes: the formatter hands over a line in pieces (each conversion, each
 * run of literal text), and written one by one they let another thread's
 * line in between (a device's warning cut in two by a test's line).
 */
#define KPRINTF_CHUNK 256

struct chunk {
	size_t n;
	char buf[KPRINTF_CHUNK];
};

static void chunk_flush(struct chunk *c)
{
	if (c->n)
		console_write(c->buf, c->n);
	c->n = 0;
}

static void chunk_sink(void *ctx, const char *s, size_t n)
{
	struct chunk *c = ctx;

	while (n) {
		size_t room = KPRINTF_CHUNK - c->n, take = n < room ? n : room;

		memcpy(c->buf + c->n, s, take);
		c->n += take;
		s += take;
		n -= take;
		if (c->n == KPRINTF_CHUNK)
			chunk_flush(c);
	}
}

static int console_vprintf(const char *fmt, va_list ap)
{
	struct chunk c;
	int n;

	c.n = 0;
	n = fmt_vformat(chunk_sink, &c, fmt, ap);
	chunk_flush(&c);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = console_vprintf(fmt, ap);
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
	n = console_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
