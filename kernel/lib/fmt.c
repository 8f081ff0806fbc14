/*
 * fmt: printf-style formatting without floating point.
 *
 * Each conversion is first parsed completely (flags, width, precision,
 * length, conversion letter) without touching the argument list; only a
 * conversion that is known and well-formed then reads its arguments. An
 * unknown one ends the work: it and the rest of the format are printed as
 * written, so a bad format never reads an argument that is not there.
 *
 * Choices where C leaves room: %p prints NULL as "0x0" (glibc: "(nil)") and
 * other pointers as %#lx would; %s of NULL prints "(null)", cut by the
 * precision like any string; a width or precision written with more digits
 * than fit in an int makes the conversion unknown; the result is -1 when the
 * output would be longer than INT_MAX characters, as C's EOVERFLOW case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>

#define INT_MAX_VALUE 0x7fffffff

enum {
	F_LEFT = 1 << 0,  /* - */
	F_ZERO = 1 << 1,  /* 0 */
	F_PLUS = 1 << 2,  /* + */
	F_SPACE = 1 << 3, /* space */
	F_ALT = 1 << 4,   /* # */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* One parsed conversion; width_star/prec_star mean "taken from the args". */
struct spec {
	unsigned flags;
	size_t width;
	size_t prec;
	int has_prec;
	int width_star;
	int prec_star;
	enum length len;
	char conv;
};

struct out {
	fmt_sink_fn sink;
	void *ctx;
	size_t total;
};

/* Every piece of output goes through here so the count stays exact. */
static void emit(struct out *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	o->sink(o->ctx, s, n);
	o->total += n;
}

/* Padding in chunks, so a wide field needs no big buffer. */
static void pad(struct out *o, char c, size_t n)
{
	static const char spaces[32] = "                                ";
	static const char zeros[32] = "00000000000000000000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	while (n > 0) {
		size_t k = n < sizeof(spaces) ? n : sizeof(spaces);

		emit(o, src, k);
		n -= k;
	}
}

/*
 * Reads a decimal number; returns -1 if it does not fit in an int, so a
 * huge field width is refused rather than wrapped.
 */
static int parse_number(const char **pp, size_t *value)
{
	const char *p = *pp;
	size_t v = 0;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (size_t)(*p - '0');
		if (v > INT_MAX_VALUE)
			return -1;
		p++;
	}
	*pp = p;
	*value = v;
	return 0;
}

static enum length parse_length(const char **pp)
{
	const char *p = *pp;
	enum length len = LEN_NONE;

	switch (*p) {
	case 'h':
		len = p[1] == 'h' ? LEN_HH : LEN_H;
		break;
	case 'l':
		len = p[1] == 'l' ? LEN_LL : LEN_L;
		break;
	case 'z':
		len = LEN_Z;
		break;
	case 't':
		len = LEN_T;
		break;
	case 'j':
		len = LEN_J;
		break;
	default:
		return LEN_NONE;
	}
	*pp = p + (len == LEN_HH || len == LEN_LL ? 2 : 1);
	return len;
}

/*
 * Parses the conversion after a '%' (p points past it). Returns 0 and sets
 * *end past the conversion letter, or -1 for anything this file does not
 * support; nothing is read from the arguments here.
 */
static int parse_spec(const char *p, struct spec *sp, const char **end)
{
	const char *flag_chars = "-0+ #";
	const char *f;

	memset(sp, 0, sizeof(*sp));
	while (*p != '\0' && (f = strchr(flag_chars, *p)) != NULL) {
		sp->flags |= 1u << (f - flag_chars);
		p++;
	}
	if (*p == '*') {
		sp->width_star = 1;
		p++;
	} else if (parse_number(&p, &sp->width) < 0) {
		return -1;
	}
	if (*p == '.') {
		p++;
		sp->has_prec = 1;
		if (*p == '*') {
			sp->prec_star = 1;
			p++;
		} else if (parse_number(&p, &sp->prec) < 0) {
			return -1;
		}
	}
	sp->len = parse_length(&p);
	sp->conv = *p;
	switch (sp->conv) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		break;
	case 'c': case 's': case 'p':
		if (sp->len != LEN_NONE)
			return -1;
		break;
	case '%':
		if (sp->len != LEN_NONE || sp->width_star || sp->prec_star)
			return -1;
		break;
	default:
		return -1;
	}
	*end = p + 1;
	return 0;
}

/* Reads a signed argument of the spec's length, widened to 64 bits. */
static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return (int64_t)va_arg(*ap, size_t);
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	default:     return va_arg(*ap, int);
	}
}

/* Reads an unsigned argument of the spec's length, widened to 64 bits. */
static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

/*
 * Lays out a field: prefix (sign or 0x), zeros, body, with spaces or zeros
 * filling the width. Strings, characters and numbers all end up here.
 */
static void put_field(struct out *o, const struct spec *sp, const char *prefix,
		      size_t zeros, const char *body, size_t body_len,
		      int zero_pad_ok)
{
	size_t prefix_len = strlen(prefix);
	size_t len = prefix_len + zeros + body_len;
	size_t fill = sp->width > len ? sp->width - len : 0;

	if (sp->flags & F_LEFT) {
		emit(o, prefix, prefix_len);
		pad(o, '0', zeros);
		emit(o, body, body_len);
		pad(o, ' ', fill);
	} else if ((sp->flags & F_ZERO) && zero_pad_ok) {
		emit(o, prefix, prefix_len);
		pad(o, '0', zeros + fill);
		emit(o, body, body_len);
	} else {
		pad(o, ' ', fill);
		emit(o, prefix, prefix_len);
		pad(o, '0', zeros);
		emit(o, body, body_len);
	}
}

/* %d %i %u %x %X %o %p: digits, then C's rules for precision and flags. */
static void put_number(struct out *o, const struct spec *sp, uint64_t mag,
		       int negative)
{
	const char *digits = sp->conv == 'X' ? "0123456789ABCDEF"
					      : "0123456789abcdef";
	unsigned base = 10;
	char buf[24];
	size_t n = 0, zeros = 0;
	const char *prefix = "";
	int nonzero = mag != 0;

	if (sp->conv == 'o')
		base = 8;
	else if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;

	/* Digits from the right; precision 0 with value 0 prints none. */
	while (mag != 0) {
		buf[sizeof(buf) - 1 - n++] = digits[mag % base];
		mag /= base;
	}
	if (n == 0 && !(sp->has_prec && sp->prec == 0))
		buf[sizeof(buf) - 1 - n++] = '0';
	if (sp->has_prec && sp->prec > n)
		zeros = sp->prec - n;

	if (sp->conv == 'd' || sp->conv == 'i') {
		if (negative)
			prefix = "-";
		else if (sp->flags & F_PLUS)
			prefix = "+";
		else if (sp->flags & F_SPACE)
			prefix = " ";
	} else if (sp->conv == 'p') {
		prefix = "0x";
	} else if ((sp->flags & F_ALT) && base == 16 && nonzero) {
		prefix = sp->conv == 'X' ? "0X" : "0x";
	} else if ((sp->flags & F_ALT) && base == 8 && zeros == 0 &&
		   (n == 0 || buf[sizeof(buf) - n] != '0')) {
		zeros = 1; /* # with %o: the first digit is a 0 */
	}
	put_field(o, sp, prefix, zeros, buf + sizeof(buf) - n, n,
		  !sp->has_prec);
}

/* Reads the arguments of one parsed conversion and prints it. */
static void put_conversion(struct out *o, struct spec *sp, va_list *ap)
{
	if (sp->width_star) {
		int w = va_arg(*ap, int);

		if (w < 0) {
			sp->flags |= F_LEFT;
			sp->width = (size_t)0 - (size_t)(long)w;
		} else {
			sp->width = (size_t)w;
		}
	}
	if (sp->prec_star) {
		int p = va_arg(*ap, int);

		sp->has_prec = p >= 0;
		sp->prec = p >= 0 ? (size_t)p : 0;
	}

	switch (sp->conv) {
	case '%':
		emit(o, "%", 1);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put_field(o, sp, "", 0, &c, 1, 0);
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (s == NULL)
			s = "(null)";
		put_field(o, sp, "", 0, s,
			  sp->has_prec ? strnlen(s, sp->prec) : strlen(s), 0);
		break;
	}
	case 'p':
		put_number(o, sp, (uintptr_t)va_arg(*ap, void *), 0);
		break;
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);

		put_number(o, sp, v < 0 ? (uint64_t)0 - (uint64_t)v
					: (uint64_t)v, v < 0);
		break;
	}
	default:
		put_number(o, sp, arg_unsigned(sp, ap), 0);
		break;
	}
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { sink, ctx, 0 };
	va_list args;
	const char *p = fmt;

	va_copy(args, ap);
	while (*p != '\0') {
		const char *pct = strchr(p, '%');
		struct spec sp;
		const char *end;

		if (pct == NULL) {
			emit(&o, p, strlen(p));
			break;
		}
		emit(&o, p, (size_t)(pct - p));
		if (parse_spec(pct + 1, &sp, &end) < 0) {
			emit(&o, pct, strlen(pct));
			break;
		}
		put_conversion(&o, &sp, &args);
		p = end;
	}
	va_end(args);
	return o.total > INT_MAX_VALUE ? -1 : (int)o.total;
}

int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(sink, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct buf_sink {
	char *buf;
	size_t room; /* characters that still fit, not counting the NUL */
};

/* Keeps what fits and drops the rest; the count is kept by fmt_vformat. */
static void buf_write(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	size_t k = n < b->room ? n : b->room;

	if (k == 0)
		return;
	memcpy(b->buf, s, k);
	b->buf += k;
	b->room -= k;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size > 0 ? size - 1 : 0 };
	int n = fmt_vformat(buf_write, &b, fmt, ap);

	if (size > 0)
		*b.buf = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
