/* The kernel console: printf-style output on the serial port. */
#include <stdarg.h>

#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/spinlock.h>

#include "serial.h"

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
static struct spinlock log_lock = SPINLOCK_INIT;

void console_write(const char *s, size_t n)
{
	uint64_t flags = spin_lock_irqsave(&log_lock);

	for (size_t i = 0; i < n; i++)
		log_ring[(log_total + i) % CONSOLE_LOG_SIZE] = s[i];
	log_total += n;
	spin_unlock_irqrestore(&log_lock, flags);
	serial_write(s, n);
}

void console_write_unlogged(const char *s, size_t n)
{
	serial_write(s, n);
}

size_t console_log_copy(char *buf, size_t size)
{
	uint64_t flags = spin_lock_irqsave(&log_lock);
	uint64_t n = log_total < CONSOLE_LOG_SIZE ? log_total : CONSOLE_LOG_SIZE;

	if (n > size)
		n = size;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = log_ring[(log_total - n + i) % CONSOLE_LOG_SIZE];
	spin_unlock_irqrestore(&log_lock, flags);
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
