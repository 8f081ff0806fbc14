/* The kernel console: printf-style output on the serial port. */
#include <stdarg.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/fmt.h>

bool console_verbose;

void console_init(void)
{
	serial_init();
}

void console_write(const char *s, size_t n)
{
	serial_write(s, n);
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
