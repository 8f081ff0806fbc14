/*
 * ubsan: Carapace's runtime for Clang's undefined-behaviour sanitizer, in
 * SAN=ubsan builds only (README.md, "Sanitized builds").
 *
 * Clang 14 compiles each check into a call to __ubsan_handle_KIND(data,
 * values...), where data is a static record the compiler emits: the
 * source location first, then the types involved. The layouts below follow
 * that documented ABI (the handlers' signatures of compiler-rt's
 * ubsan_handlers.h); the code is Carapace's own.
 *
 * A finding prints one line
 *
 *   carapace: violation=ubsan kind=KIND at FUNCTION+0xOFF file=FILE:LINE:COL DETAILS
 *
 * and a backtrace. By default (ubsan=abort) the run then ends with status
 * 143. With the boot option ubsan=recover, for fuzzing campaigns, each
 * check site reports once and the kernel goes on; a kind that cannot go on
 * (unreachable code reached) always ends the run.
 *
 * This file is built without the sanitizer, so a handler never calls
 * itself. A finding inside the reporter (console, symbols) while this CPU
 * reports ends the run with a one-line panic under ubsan=abort, and is
 * dropped under ubsan=recover.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/hardening.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/ubsan.h>

/* The kernel keeps frame pointers (-fno-omit-frame-pointer): walking up is safe. */
#pragma clang diagnostic ignored "-Wframe-address"

struct source_location {
	const char *file;
	uint32_t line;
	uint32_t column; /* bit 31: this site has been reported (recover mode) */
};

#define LOCATION_REPORTED 0x80000000u

/* kind 0: an integer, info = log2(bit width) << 1 | signed; 1: a float. */
struct type_descriptor {
	uint16_t kind;
	uint16_t info;
	char name[];
};

struct type_mismatch_data {
	struct source_location loc;
	const struct type_descriptor *type;
	uint8_t log_alignment;
	uint8_t type_check_kind;
};

struct overflow_data {
	struct source_location loc;
	const struct type_descriptor *type;
};

struct shift_data {
	struct source_location loc;
	const struct type_descriptor *lhs_type, *rhs_type;
};

struct out_of_bounds_data {
	struct source_location loc;
	const struct type_descriptor *array_type, *index_type;
};

struct location_only_data {
	struct source_location loc;
};

struct invalid_value_data {
	struct source_location loc;
	const struct type_descriptor *type;
};

struct invalid_builtin_data {
	struct source_location loc;
	uint8_t kind; /* 0: ctz of zero, 1: clz of zero */
};

struct nonnull_arg_data {
	struct source_location loc, attr_loc;
	int arg_index;
};

struct nonnull_return_data {
	struct source_location attr_loc;
};

struct alignment_assumption_data {
	struct source_location loc, assumption_loc;
	const struct type_descriptor *type;
};

static bool recover __ro_after_init;

/* The CPU reporting in recover mode, plus one; 0 when none is. */
static unsigned recover_owner;

void ubsan_init(bool recover_mode)
{
	recover = recover_mode;
}

static bool type_is_signed(const struct type_descriptor *t)
{
	return t->kind == 0 && (t->info & 1);
}

static unsigned type_bits(const struct type_descriptor *t)
{
	return t->kind == 0 ? 1u << (t->info >> 1) : 0;
}

/*
 * Values up to 64 bits come inline in the handle; wider ones by pointer.
 * Printed as decimal when signed, else hex; a 128-bit value shows its low
 * 64 bits.
 */
static void format_value(char *out, unsigned long size, const struct type_descriptor *t,
			 uintptr_t handle)
{
	unsigned bits = type_bits(t);
	uint64_t v = bits > 64 ? *(const uint64_t *)handle : handle;

	if (t->kind != 0) {
		fmt_snprintf(out, size, "?");
	} else if (type_is_signed(t)) {
		int64_t s = bits >= 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);

		fmt_snprintf(out, size, "%lld", (long long)s);
	} else {
		fmt_snprintf(out, size, "0x%llx", (unsigned long long)v);
	}
}

/*
 * Takes the right to report. Returns false when the report must be dropped:
 * in recover mode, a site already reported, or a finding inside the
 * reporter of this CPU.
 */
static bool begin(struct source_location *loc, bool can_recover)
{
	unsigned me = cpu_current_id() + 1;

	if (!recover || !can_recover) {
		if (report_enter())
			report_abort("an undefined-behaviour finding");
		return true;
	}
	if (__atomic_fetch_or(&loc->column, LOCATION_REPORTED, __ATOMIC_RELAXED) &
	    LOCATION_REPORTED)
		return false;
	for (;;) {
		unsigned none = 0;

		if (__atomic_compare_exchange_n(&recover_owner, &none, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		if (none == me)
			return false;
		__builtin_ia32_pause();
	}
}

/*
 * Prints the line and the backtrace, then ends the run or (recover) goes on.
 * site is the handler's return address, frame the frame pointer of its
 * caller (REPORT passes both): the function that committed the undefined
 * behaviour, even when it calls the handler before setting up a frame.
 */
__attribute__((format(printf, 6, 7))) static void report(struct source_location *loc,
							 bool can_recover, uint64_t site,
							 uint64_t frame, const char *kind,
							 const char *fmt, ...)
{
	uint64_t off = 0;
	const char *func = report_kernel_symbol(site, &off);
	char details[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	report_violation_line(VIOLATION_UBSAN, "kind=%s at %s+0x%llx file=%s:%u:%u %s", kind,
			      func ? func : "?", (unsigned long long)off,
			      loc->file ? loc->file : "?", loc->line,
			      loc->column & ~LOCATION_REPORTED, details);
	report_backtrace(site, frame);
	if (!recover || !can_recover)
		power_exit(violation_exit_status(VIOLATION_UBSAN));
	__atomic_store_n(&recover_owner, 0, __ATOMIC_RELEASE);
}

/* Handlers keep frames of their own, so frame address 1 is their caller's. */
#define HANDLER __attribute__((used, noinline))

/* A return address points after the call: the call itself is one byte before. */
#define REPORT(loc, can_recover, ...)                                                 \
	report(loc, can_recover, (uint64_t)__builtin_return_address(0) - 1,          \
	       (uint64_t)__builtin_frame_address(1), __VA_ARGS__)

static const char *const check_kinds[] = {
	"load of", "store to", "reference binding to", "member access within",
	"member call on", "constructor call on", "downcast of", "downcast of",
	"upcast of", "cast to virtual base of", "nonnull binding to", "dynamic operation on",
};

HANDLER void __ubsan_handle_type_mismatch_v1(struct type_mismatch_data *d, uintptr_t ptr)
{
	uintptr_t align = (uintptr_t)1 << d->log_alignment;
	const char *what = d->type_check_kind < sizeof(check_kinds) / sizeof(check_kinds[0])
				   ? check_kinds[d->type_check_kind]
				   : "access to";

	if (!begin(&d->loc, true))
		return;
	if (!ptr)
		REPORT(&d->loc, true, "null", "%s a null pointer of type %s", what, d->type->name);
	else if (ptr & (align - 1))
		REPORT(&d->loc, true, "alignment", "%s 0x%llx, not %llu-byte aligned, of type %s",
		       what, (unsigned long long)ptr, (unsigned long long)align, d->type->name);
	else
		REPORT(&d->loc, true, "object-size",
		       "%s 0x%llx: too little room for an object of type %s", what,
		       (unsigned long long)ptr, d->type->name);
}

/* One handler per arithmetic operator, with its sign in the message. */
#define OVERFLOW_HANDLER(op, symbol)                                                        \
	HANDLER void __ubsan_handle_##op##_overflow(struct overflow_data *d, uintptr_t lhs,  \
						    uintptr_t rhs)                           \
	{                                                                                   \
		char a[24], b[24];                                                          \
                                                                                            \
		if (!begin(&d->loc, true))                                                  \
			return;                                                             \
		format_value(a, sizeof(a), d->type, lhs);                                   \
		format_value(b, sizeof(b), d->type, rhs);                                   \
		REPORT(&d->loc, true,                                                       \
		       type_is_signed(d->type) ? "signed-integer-overflow"                  \
					       : "unsigned-integer-overflow",               \
		       "%s " symbol " %s overflows type %s", a, b, d->type->name);         \
	}

OVERFLOW_HANDLER(add, "+")
OVERFLOW_HANDLER(sub, "-")
OVERFLOW_HANDLER(mul, "*")

HANDLER void __ubsan_handle_negate_overflow(struct overflow_data *d, uintptr_t old)
{
	char a[24];

	if (!begin(&d->loc, true))
		return;
	format_value(a, sizeof(a), d->type, old);
	REPORT(&d->loc, true, "signed-integer-overflow", "-(%s) overflows type %s", a,
	       d->type->name);
}

HANDLER void __ubsan_handle_divrem_overflow(struct overflow_data *d, uintptr_t lhs,
					    uintptr_t rhs)
{
	char a[24], b[24];

	if (!begin(&d->loc, true))
		return;
	format_value(a, sizeof(a), d->type, lhs);
	format_value(b, sizeof(b), d->type, rhs);
	if (d->type->kind == 0 && ((type_bits(d->type) > 64 ? *(const uint64_t *)rhs : rhs) == 0))
		REPORT(&d->loc, true, "integer-divide-by-zero", "%s / 0 in type %s", a,
		       d->type->name);
	else
		REPORT(&d->loc, true, "signed-integer-overflow", "%s / %s overflows type %s", a,
		       b, d->type->name);
}

HANDLER void __ubsan_handle_shift_out_of_bounds(struct shift_data *d, uintptr_t lhs,
						uintptr_t rhs)
{
	char a[24], b[24];

	if (!begin(&d->loc, true))
		return;
	format_value(a, sizeof(a), d->lhs_type, lhs);
	format_value(b, sizeof(b), d->rhs_type, rhs);
	REPORT(&d->loc, true, "shift-out-of-bounds", "%s shifted by %s, in type %s", a, b,
	       d->lhs_type->name);
}

HANDLER void __ubsan_handle_out_of_bounds(struct out_of_bounds_data *d, uintptr_t index)
{
	char i[24];

	if (!begin(&d->loc, true))
		return;
	format_value(i, sizeof(i), d->index_type, index);
	REPORT(&d->loc, true, "bounds", "index %s is out of range for type %s", i,
	       d->array_type->name);
}

HANDLER void __ubsan_handle_pointer_overflow(struct location_only_data *d, uintptr_t base,
					     uintptr_t result)
{
	if (!begin(&d->loc, true))
		return;
	REPORT(&d->loc, true, "pointer-overflow", "0x%llx became 0x%llx",
	       (unsigned long long)base, (unsigned long long)result);
}

HANDLER void __ubsan_handle_load_invalid_value(struct invalid_value_data *d, uintptr_t value)
{
	char v[24];

	if (!begin(&d->loc, true))
		return;
	format_value(v, sizeof(v), d->type, value);
	REPORT(&d->loc, true, "invalid-value", "load of %s, not a valid value of type %s", v,
	       d->type->name);
}

HANDLER void __ubsan_handle_vla_bound_not_positive(struct invalid_value_data *d,
						   uintptr_t bound)
{
	char v[24];

	if (!begin(&d->loc, true))
		return;
	format_value(v, sizeof(v), d->type, bound);
	REPORT(&d->loc, true, "vla-bound", "variable-length array bound %s is not positive", v);
}

HANDLER void __ubsan_handle_invalid_builtin(struct invalid_builtin_data *d)
{
	if (!begin(&d->loc, true))
		return;
	REPORT(&d->loc, true, "builtin", "%s of zero", d->kind == 0 ? "ctz" : "clz");
}

HANDLER void __ubsan_handle_nonnull_arg(struct nonnull_arg_data *d)
{
	if (!begin(&d->loc, true))
		return;
	REPORT(&d->loc, true, "nonnull-attribute", "null passed as argument %d, declared nonnull",
	       d->arg_index);
}

HANDLER void __ubsan_handle_nonnull_return_v1(struct nonnull_return_data *d,
					      struct source_location *loc)
{
	(void)d;
	if (!begin(loc, true))
		return;
	REPORT(loc, true, "returns-nonnull-attribute",
	       "null returned from a function declared returns_nonnull");
}

HANDLER void __ubsan_handle_alignment_assumption(struct alignment_assumption_data *d,
						 uintptr_t ptr, uintptr_t align, uintptr_t offset)
{
	if (!begin(&d->loc, true))
		return;
	REPORT(&d->loc, true, "alignment-assumption",
	       "0x%llx (offset %llu) assumed %llu-byte aligned", (unsigned long long)ptr,
	       (unsigned long long)offset, (unsigned long long)align);
}

/* The program cannot go on from code it was told is unreachable. */
HANDLER __attribute__((noreturn)) void
__ubsan_handle_builtin_unreachable(struct location_only_data *d)
{
	begin(&d->loc, false);
	REPORT(&d->loc, false, "unreachable", "__builtin_unreachable() reached");
	__builtin_unreachable();
}
