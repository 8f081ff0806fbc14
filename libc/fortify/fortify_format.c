/*
 * __carapace_fortify_format: the %n rule of fortify level 2. With flag > 0
 * a %n conversion whose format text lies in writable memory ends the run:
 * a format string an attacker can write turns %n into a write primitive,
 * while a %n in a string literal (read-only data) is the program's own.
 * "%%n" is text, not a conversion. Wide formats are read as wchar_t.
 */
#include <wchar.h>

#include "fortify.h"

/* Flags, field width, precision, argument positions and length modifiers. */
static int is_modifier(wchar_t c)
{
	return (c >= '0' && c <= '9') || wcschr(L"$#-+ '.*hlLjztqI", c) != NULL;
}

static wchar_t unit_at(const void *format, size_t unit, size_t i)
{
	if (unit == 1)
		return ((const unsigned char *)format)[i];
	return ((const wchar_t *)format)[i];
}

void __carapace_fortify_format(const char *function, int flag, const void *format, size_t unit)
{
	size_t i = 0;
	wchar_t c;

	if (flag <= 0 || format == NULL)
		return;
	while ((c = unit_at(format, unit, i++)) != 0) {
		if (c != '%')
			continue;
		if (unit_at(format, unit, i) == '%') {
			i++;
			continue;
		}
		while ((c = unit_at(format, unit, i)) != 0 && is_modifier(c))
			i++;
		if (c == 'n' && __carapace_fortify_writable((const char *)format + i * unit))
			__carapace_fortify_fail(function);
	}
}
