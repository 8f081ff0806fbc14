/*
 * options: parse the boot command line into struct boot_options.
 *
 * The command line comes from whoever launched the machine, so it is treated
 * as untrusted input: every word is decoded and checked, any mistake is an
 * error with a one-line message, and on error the caller gets a zeroed
 * struct so nothing half-parsed can be acted on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/options.h>

struct parser {
	char *r;        /* next character to read */
	char *err;
	size_t err_size;
	int nwords;
};

/* Kernel options; adding one is one line here and one apply function. */
struct option_def {
	const char *name;
	const char *usage;  /* as shown in the "known:" list */
	bool takes_value;
	int (*apply)(struct parser *p, struct boot_options *o, const char *word,
		     const char *value);
};

static int apply_verbose(struct parser *p, struct boot_options *o,
			 const char *word, const char *value);
static int apply_test(struct parser *p, struct boot_options *o,
		      const char *word, const char *value);
static int apply_env(struct parser *p, struct boot_options *o,
		     const char *word, const char *value);
static int apply_fpu(struct parser *p, struct boot_options *o,
		     const char *word, const char *value);
static int apply_wx(struct parser *p, struct boot_options *o,
		    const char *word, const char *value);
static int apply_heap(struct parser *p, struct boot_options *o,
		      const char *word, const char *value);
static int apply_aslr(struct parser *p, struct boot_options *o,
		      const char *word, const char *value);
static int apply_aslr_seed(struct parser *p, struct boot_options *o,
			   const char *word, const char *value);
static int apply_layout(struct parser *p, struct boot_options *o,
			const char *word, const char *value);
static int apply_guards(struct parser *p, struct boot_options *o,
			const char *word, const char *value);
static int apply_canary(struct parser *p, struct boot_options *o,
			const char *word, const char *value);
static int apply_tmp_size(struct parser *p, struct boot_options *o,
			  const char *word, const char *value);
static int apply_ubsan(struct parser *p, struct boot_options *o,
		       const char *word, const char *value);
static int apply_ip(struct parser *p, struct boot_options *o,
		    const char *word, const char *value);
static int apply_gw(struct parser *p, struct boot_options *o,
		    const char *word, const char *value);

static int apply_netchannels(struct parser *p, struct boot_options *o,
			     const char *word, const char *value);
static int apply_net_wait(struct parser *p, struct boot_options *o,
			  const char *word, const char *value);
static int apply_irq_cpu(struct parser *p, struct boot_options *o,
			 const char *word, const char *value);
static int apply_api(struct parser *p, struct boot_options *o,
		     const char *word, const char *value);
static int apply_api_addr(struct parser *p, struct boot_options *o,
			  const char *word, const char *value);
static int apply_api_port(struct parser *p, struct boot_options *o,
			  const char *word, const char *value);
static int apply_api_token_file(struct parser *p, struct boot_options *o,
				const char *word, const char *value);
static int apply_api_write(struct parser *p, struct boot_options *o,
			   const char *word, const char *value);
static int apply_api_auth(struct parser *p, struct boot_options *o,
			  const char *word, const char *value);

static const struct option_def option_defs[] = {
	{ "verbose", "verbose", false, apply_verbose },
	{ "test", "test=NAME", true, apply_test },
	{ "env", "env=KEY=VALUE", true, apply_env },
	{ "fpu", "fpu=xsave|fxsave", true, apply_fpu },
	{ "aslr", "aslr=on|off", true, apply_aslr },
	{ "aslr.seed", "aslr.seed=N", true, apply_aslr_seed },
	{ "layout", "layout=show", true, apply_layout },
	{ "wx", "wx=deny|allow", true, apply_wx },
	{ "heap", "heap=hardened|musl", true, apply_heap },
	{ "guards", "guards=on|off|show", true, apply_guards },
	{ "canary", "canary=random|constant", true, apply_canary },
	{ "tmp.size", "tmp.size=N[K|M|G]", true, apply_tmp_size },
	{ "ubsan", "ubsan=abort|recover", true, apply_ubsan },
	{ "ip", "ip=ADDR/PREFIX", true, apply_ip },
	{ "gw", "gw=ADDR", true, apply_gw },
	{ "netchannels", "netchannels=on|off", true, apply_netchannels },
	{ "net.wait", "net.wait=SECONDS", true, apply_net_wait },
	{ "irq.cpu", "irq.cpu=N", true, apply_irq_cpu },
	{ "api", "api=on|off", true, apply_api },
	{ "api.addr", "api.addr=ADDR", true, apply_api_addr },
	{ "api.port", "api.port=N", true, apply_api_port },
	{ "api.token-file", "api.token-file=PATH", true, apply_api_token_file },
	{ "api.write", "api.write=on|off", true, apply_api_write },
	{ "api.auth", "api.auth=on|off", true, apply_api_auth },
};

#define NOPTIONS (sizeof(option_defs) / sizeof(option_defs[0]))

/*
 * Writes the error message and returns code. Control characters from the
 * command line become '?', so the message stays on one line.
 */
__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;

	if (p->err_size == 0)
		return code;
	va_start(ap, fmt);
	fmt_vsnprintf(p->err, p->err_size, fmt, ap);
	va_end(ap);
	for (char *c = p->err; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return code;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Decodes the next word in place: quotes are dropped, a backslash keeps the
 * next character. Returns 1 with *word set, 0 at the end of the line, or a
 * negative errno. *plain is false when the word used quotes or escapes, so
 * a quoted "--" is an ordinary word.
 */
static int next_word(struct parser *p, char **word, bool *plain)
{
	char *w;
	bool quoted = false;

	while (is_space(*p->r))
		p->r++;
	if (*p->r == '\0')
		return 0;
	if (++p->nwords > OPTIONS_MAX_WORDS)
		return fail(p, -E2BIG,
			    "too many words on the boot command line (at most %d)",
			    OPTIONS_MAX_WORDS);
	*word = w = p->r;
	*plain = true;
	while (*p->r != '\0' && (quoted || !is_space(*p->r))) {
		if (*p->r == '"') {
			quoted = !quoted;
			*plain = false;
			p->r++;
		} else if (*p->r == '\\') {
			if (p->r[1] == '\0') {
				*w = '\0';
				return fail(p, -EINVAL,
					    "trailing backslash in boot command line after '%s'",
					    *word);
			}
			*w++ = p->r[1];
			*plain = false;
			p->r += 2;
		} else {
			*w++ = *p->r++;
		}
	}
	if (quoted) {
		*w = '\0';
		return fail(p, -EINVAL,
			    "unterminated quote in boot command line at '%s'",
			    *word);
	}
	/* w <= r: step over the separator before writing the terminator. */
	if (*p->r != '\0')
		p->r++;
	*w = '\0';
	return 1;
}

static int apply_verbose(struct parser *p, struct boot_options *o,
			 const char *word, const char *value)
{
	(void)p;
	(void)word;
	(void)value;
	o->verbose = true;
	return 0;
}

static int apply_test(struct parser *p, struct boot_options *o,
		      const char *word, const char *value)
{
	if (o->test != NULL)
		return fail(p, -EINVAL,
			    "boot option 'test' given twice ('test=%s', then '%s')",
			    o->test, word);
	o->test = value;
	return 0;
}

static int apply_env(struct parser *p, struct boot_options *o,
		     const char *word, const char *value)
{
	if (value[0] == '=' || strchr(value, '=') == NULL)
		return fail(p, -EINVAL,
			    "boot option '%s' must be env=KEY=VALUE with a non-empty KEY",
			    word);
	if (o->envc >= OPTIONS_MAX_ENV)
		return fail(p, -E2BIG, "too many env= boot options (at most %d)",
			    OPTIONS_MAX_ENV);
	o->envp[o->envc++] = value;
	return 0;
}

/* The index of value in an option's two names, or -1 after a message. */
static int choose(struct parser *p, const char *word, const char *value,
		  const char *option, const char *const names[2])
{
	for (int i = 0; i < 2; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	fail(p, -EINVAL, "boot option '%s': %s must be %s or %s", word, option,
	     names[0], names[1]);
	return -1;
}

/* An on/off option: *flag is set when value is the second of its names. */
static int choose_flag(struct parser *p, const char *word, const char *value,
		       const char *option, const char *const names[2], bool *flag)
{
	int i = choose(p, word, value, option, names);

	if (i < 0)
		return -EINVAL;
	*flag = i == 1;
	return 0;
}

static int apply_fpu(struct parser *p, struct boot_options *o,
		     const char *word, const char *value)
{
	static const char *const names[] = {
		[BOOT_FPU_XSAVE] = "xsave", [BOOT_FPU_FXSAVE] = "fxsave",
	};
	int i = choose(p, word, value, "fpu", names);

	if (i < 0)
		return -EINVAL;
	o->fpu = (enum boot_fpu)i;
	return 0;
}

static int apply_wx(struct parser *p, struct boot_options *o,
		    const char *word, const char *value)
{
	static const char *const names[] = { "deny", "allow" };

	return choose_flag(p, word, value, "wx", names, &o->wx_allow);
}

/* heap=musl: musl's own allocator serves the application (an ablation switch). */
static int apply_heap(struct parser *p, struct boot_options *o,
		      const char *word, const char *value)
{
	static const char *const names[] = { "hardened", "musl" };

	return choose_flag(p, word, value, "heap", names, &o->heap_musl);
}

/* ubsan=recover: a SAN=ubsan kernel reports each site once and goes on. */
static int apply_ubsan(struct parser *p, struct boot_options *o,
		       const char *word, const char *value)
{
	static const char *const names[] = { "abort", "recover" };

	return choose_flag(p, word, value, "ubsan", names, &o->ubsan_recover);
}

/* netchannels=off: the plain path through lwIP's thread, for comparison. */
static int apply_netchannels(struct parser *p, struct boot_options *o,
			     const char *word, const char *value)
{
	static const char *const names[] = { "on", "off" };

	return choose_flag(p, word, value, "netchannels", names, &o->netchannels_off);
}

static int apply_aslr(struct parser *p, struct boot_options *o,
		      const char *word, const char *value)
{
	static const char *const names[] = { "on", "off" };

	return choose_flag(p, word, value, "aslr", names, &o->aslr_off);
}

/* N: decimal, or hexadecimal after 0x; any 64-bit value. */
static int apply_aslr_seed(struct parser *p, struct boot_options *o,
			   const char *word, const char *value)
{
	unsigned base = 10;
	uint64_t n = 0;
	const char *c = value;

	if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X') && c[2] != '\0') {
		base = 16;
		c += 2;
	}
	for (; *c != '\0'; c++) {
		unsigned d;

		if (*c >= '0' && *c <= '9')
			d = (unsigned)(*c - '0');
		else if (base == 16 && ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'f'))
			d = (unsigned)((*c | 0x20) - 'a' + 10);
		else
			return fail(p, -EINVAL,
				    "boot option '%s': the seed must be a number (decimal or 0x hex)",
				    word);
		if (n > (UINT64_MAX - d) / base)
			return fail(p, -EINVAL,
				    "boot option '%s': the seed does not fit in 64 bits", word);
		n = n * base + d;
	}
	o->aslr_seeded = true;
	o->aslr_seed = n;
	return 0;
}

static int apply_layout(struct parser *p, struct boot_options *o,
			const char *word, const char *value)
{
	if (strcmp(value, "show") != 0)
		return fail(p, -EINVAL, "boot option '%s': the only layout is layout=show",
			    word);
	o->layout_show = true;
	return 0;
}

/*
 * guards=off: no guard pages; show: list the guards before the application
 * runs (with either: "guards=off guards=show" shows the absent guards).
 */
static int apply_guards(struct parser *p, struct boot_options *o,
			const char *word, const char *value)
{
	if (strcmp(value, "show") == 0)
		o->guards_show = true;
	else if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0)
		o->guards_off = strcmp(value, "off") == 0;
	else
		return fail(p, -EINVAL, "boot option '%s': guards must be on, off or show", word);
	return 0;
}

/* canary=constant: OSv's constant stack canary, for kernel and application. */
static int apply_canary(struct parser *p, struct boot_options *o,
			const char *word, const char *value)
{
	static const char *const names[] = { "random", "constant" };

	return choose_flag(p, word, value, "canary", names, &o->canary_constant);
}

/* tmp.size=N with an optional K, M or G (binary multiples); at least 1 byte. */
static int apply_tmp_size(struct parser *p, struct boot_options *o,
			  const char *word, const char *value)
{
	uint64_t n = 0, unit = 1;
	const char *c = value;

	for (; *c >= '0' && *c <= '9'; c++) {
		if (n > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			return fail(p, -EINVAL, "boot option '%s': the size does not fit in 64 bits",
				    word);
		n = n * 10 + (uint64_t)(*c - '0');
	}
	if (*c != '\0' && c[1] == '\0') {
		switch (*c | 0x20) {
		case 'k': unit = 1ull << 10; c++; break;
		case 'm': unit = 1ull << 20; c++; break;
		case 'g': unit = 1ull << 30; c++; break;
		default: break;
		}
	}
	if (c == value || *c != '\0' || n == 0)
		return fail(p, -EINVAL,
			    "boot option '%s': the size must be a positive number of bytes, "
			    "with K, M or G after it or not", word);
	if (n > UINT64_MAX / unit)
		return fail(p, -EINVAL, "boot option '%s': the size does not fit in 64 bits",
			    word);
	o->tmp_size = n * unit;
	return 0;
}

/*
 * An IPv4 address in dotted-quad form: four decimal numbers 0-255 without
 * leading zeros (inet_aton reads "010" as octal; refused, not guessed).
 * Returns the characters read, or 0 when value does not start with one.
 */
static size_t parse_ipv4(const char *value, uint32_t *addr)
{
	const char *c = value;
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n = 0;
		const char *start = c;

		if (part > 0 && *c++ != '.')
			return 0;
		start = c;
		while (*c >= '0' && *c <= '9' && c - start < 3)
			n = n * 10 + (unsigned)(*c++ - '0');
		if (c == start || n > 255 || (*start == '0' && c - start > 1) ||
		    (*c >= '0' && *c <= '9'))
			return 0;
		a = a << 8 | n;
	}
	*addr = a;
	return (size_t)(c - value);
}

/* Why addr cannot be a host's own address or a gateway, or NULL. */
static const char *ipv4_unusable(uint32_t addr)
{
	if (addr >> 24 == 0)
		return "is in 0.0.0.0/8 (this network)";
	if (addr >> 24 == 127)
		return "is a loopback address (127.0.0.0/8)";
	if (addr >> 28 == 0xe)
		return "is a multicast address (224.0.0.0/4)";
	if (addr >> 28 == 0xf)
		return "is reserved or broadcast (240.0.0.0/4)";
	return NULL;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

/* ip=ADDR/PREFIX: a static address for the first network device, no DHCP. */
static int apply_ip(struct parser *p, struct boot_options *o,
		    const char *word, const char *value)
{
	uint32_t addr, mask;
	size_t n = parse_ipv4(value, &addr);
	const char *c = value + n, *why;
	unsigned prefix = 0;

	if (o->net_static)
		return fail(p, -EINVAL, "boot option '%s': ip= given twice", word);
	if (n == 0 || *c != '/' || c[1] < '1' || c[1] > '9')
		return fail(p, -EINVAL,
			    "boot option '%s' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)",
			    word);
	for (c++; *c >= '0' && *c <= '9' && prefix <= 32; c++)
		prefix = prefix * 10 + (unsigned)(*c - '0');
	if (*c != '\0' || prefix > 32)
		return fail(p, -EINVAL, "boot option '%s': the prefix must be 1 to 32", word);
	why = ipv4_unusable(addr);
	if (why != NULL)
		return fail(p, -EINVAL, "boot option '%s': the address %s", word, why);
	mask = prefix_mask(prefix);
	if (prefix <= 30 && ((addr & ~mask) == 0 || (addr & ~mask) == ~mask))
		return fail(p, -EINVAL,
			    "boot option '%s': the address is its subnet's network or broadcast address",
			    word);
	o->net_static = true;
	o->net_ip = addr;
	o->net_prefix = (uint8_t)prefix;
	return 0;
}

/* gw=ADDR: the default gateway; checked against ip= once the line is read. */
static int apply_gw(struct parser *p, struct boot_options *o,
		    const char *word, const char *value)
{
	uint32_t addr;
	size_t n = parse_ipv4(value, &addr);
	const char *why;

	if (o->net_gw_set)
		return fail(p, -EINVAL, "boot option '%s': gw= given twice", word);
	if (n == 0 || value[n] != '\0')
		return fail(p, -EINVAL, "boot option '%s' must be gw=ADDR (e.g. gw=10.0.2.2)",
			    word);
	why = ipv4_unusable(addr);
	if (why != NULL)
		return fail(p, -EINVAL, "boot option '%s': the address %s", word, why);
	o->net_gw_set = true;
	o->net_gw = addr;
	return 0;
}

/* What ip= and gw= must say together: a gateway is on the address's link. */
static int check_net(struct parser *p, const struct boot_options *o)
{
	uint32_t mask = prefix_mask(o->net_prefix);

	if (!o->net_gw_set)
		return 0;
	if (!o->net_static)
		return fail(p, -EINVAL,
			    "boot option 'gw=' needs ip=ADDR/PREFIX too (without ip=, DHCP gives the gateway)");
	if ((o->net_gw & mask) != (o->net_ip & mask) || o->net_gw == o->net_ip)
		return fail(p, -EINVAL,
			    "boot option 'gw=': the gateway must be another address in ip='s subnet");
	return 0;
}

/* api=on: the REST API starts (kernel/api/README.md); off is the default. */
static int apply_api(struct parser *p, struct boot_options *o,
		     const char *word, const char *value)
{
	static const char *const names[] = { "off", "on" };

	return choose_flag(p, word, value, "api", names, &o->api_on);
}

/* api.write=on: the writing endpoints exist too. */
static int apply_api_write(struct parser *p, struct boot_options *o,
			   const char *word, const char *value)
{
	static const char *const names[] = { "off", "on" };

	return choose_flag(p, word, value, "api.write", names, &o->api_write);
}

/*
 * api.auth=off: the API asks for no token (OSv's). The defence's switch, as
 * canary=constant is the canary's: for the audit and PROFILE=baseline.
 */
static int apply_api_auth(struct parser *p, struct boot_options *o,
			  const char *word, const char *value)
{
	static const char *const names[] = { "on", "off" };

	return choose_flag(p, word, value, "api.auth", names, &o->api_open);
}

/* api.addr=ADDR: the IPv4 address the API binds (dotted quad, as ip=). */
static int apply_api_addr(struct parser *p, struct boot_options *o,
			  const char *word, const char *value)
{
	uint32_t a;
	size_t n = parse_ipv4(value, &a);

	if (n == 0 || value[n] != '\0')
		return fail(p, -EINVAL, "boot option '%s' must be api.addr=A.B.C.D (IPv4, decimal)",
			    word);
	/* 0.0.0.0 is every address, 127.x the guest's loopback; no listener has the others. */
	if (a != 0 && a >> 24 != 127 && ipv4_unusable(a) != NULL)
		return fail(p, -EINVAL, "boot option '%s': the address %s", word, ipv4_unusable(a));
	o->api_addr_set = true;
	o->api_addr = a;
	return 0;
}

/*
 * A decimal number of at most max (< UINT_MAX / 10) and nothing else: no
 * sign, no space, no suffix. False for anything else, or an empty value.
 */
static bool parse_decimal(const char *value, unsigned max, unsigned *out)
{
	unsigned n = 0;
	const char *c = value;

	for (; *c >= '0' && *c <= '9' && n <= max; c++)
		n = n * 10 + (unsigned)(*c - '0');
	if (*c != '\0' || c == value || n > max)
		return false;
	*out = n;
	return true;
}

/* net.wait=SECONDS: 0 to 600, decimal. */
static int apply_net_wait(struct parser *p, struct boot_options *o,
			  const char *word, const char *value)
{
	unsigned n;

	if (!parse_decimal(value, 600, &n))
		return fail(p, -EINVAL, "boot option '%s': the wait must be 0 to 600 seconds",
			    word);
	o->net_wait_set = true;
	o->net_wait_s = (uint16_t)n;
	return 0;
}

/* irq.cpu=N: a CPU number, decimal (whether the guest has it is checked
 * once the CPUs are up: kernel/boot/main.c). */
static int apply_irq_cpu(struct parser *p, struct boot_options *o,
			 const char *word, const char *value)
{
	unsigned n;

	if (!parse_decimal(value, 255, &n))
		return fail(p, -EINVAL, "boot option '%s': the CPU must be a number, 0 to 255", word);
	o->irq_cpu_set = true;
	o->irq_cpu = (uint8_t)n;
	return 0;
}

/* api.port=N: 1 to 65535, decimal. */
static int apply_api_port(struct parser *p, struct boot_options *o,
			  const char *word, const char *value)
{
	unsigned n;

	if (!parse_decimal(value, 65535, &n) || n == 0 || value[0] == '0')
		return fail(p, -EINVAL, "boot option '%s': the port must be 1 to 65535", word);
	o->api_port = (uint16_t)n;
	return 0;
}

/* api.token-file=PATH: an absolute path in the boot filesystem. */
static int apply_api_token_file(struct parser *p, struct boot_options *o,
				const char *word, const char *value)
{
	if (value[0] != '/')
		return fail(p, -EINVAL, "boot option '%s': the token file's path must be absolute",
			    word);
	o->api_token_file = value;
	return 0;
}

/* The api.* options mean nothing without api=on: refused, not ignored. */
static int check_api(struct parser *p, const struct boot_options *o)
{
	if (!o->api_on && (o->api_write || o->api_addr_set || o->api_port != 0 ||
			   o->api_token_file != NULL))
		return fail(p, -EINVAL,
			    "boot options api.addr=, api.port=, api.token-file= and api.write= need api=on");
	return 0;
}

/* Names every option in the message, so a typo shows the right spelling. */
static int fail_unknown(struct parser *p, const char *word)
{
	char known[512];
	size_t len = 0;

	known[0] = '\0';
	for (size_t i = 0; i < NOPTIONS && len < sizeof(known); i++) {
		int n = fmt_snprintf(known + len, sizeof(known) - len, "%s%s",
				     i > 0 ? ", " : "", option_defs[i].usage);
		len += n > 0 ? (size_t)n : 0;
	}
	return fail(p, -EINVAL, "unknown boot option '%s' (known: %s)", word,
		    known);
}

/* Matches a word against the table and checks its value's shape. */
static int apply_option(struct parser *p, struct boot_options *o, char *word)
{
	const char *eq = strchr(word, '=');
	size_t name_len = eq != NULL ? (size_t)(eq - word) : strlen(word);

	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *d = &option_defs[i];

		if (strlen(d->name) != name_len ||
		    strncmp(d->name, word, name_len) != 0)
			continue;
		if (!d->takes_value && eq != NULL)
			return fail(p, -EINVAL,
				    "boot option '%s' takes no value (got '%s')",
				    d->name, word);
		if (d->takes_value && (eq == NULL || eq[1] == '\0'))
			return fail(p, -EINVAL,
				    "boot option '%s' needs a value: %s",
				    d->name, d->usage);
		return d->apply(p, o, word, eq != NULL ? eq + 1 : NULL);
	}
	return fail_unknown(p, word);
}

/* Collects the words after "--": the application path, then its arguments. */
static int parse_app(struct parser *p, struct boot_options *o)
{
	char *word;
	bool plain;
	int rc;

	while ((rc = next_word(p, &word, &plain)) > 0) {
		if (o->app_argc >= OPTIONS_MAX_ARGS)
			return fail(p, -E2BIG,
				    "too many application arguments (at most %d)",
				    OPTIONS_MAX_ARGS);
		if (o->app_argc == 0 && word[0] == '\0')
			return fail(p, -EINVAL,
				    "the application path after '--' is empty");
		o->app_argv[o->app_argc++] = word;
	}
	if (rc < 0)
		return rc;
	if (o->app_argc == 0)
		return fail(p, -EINVAL,
			    "'--' must be followed by an application path");
	return 0;
}

/* Options first; "--" hands the rest of the line to parse_app. */
static int parse_all(struct parser *p, struct boot_options *o)
{
	char *word;
	bool plain;
	int rc;

	while ((rc = next_word(p, &word, &plain)) > 0) {
		if (plain && strcmp(word, "--") == 0)
			return parse_app(p, o);
		rc = apply_option(p, o, word);
		if (rc < 0)
			return rc;
	}
	return rc;
}

int options_parse(char *cmdline, struct boot_options *out, char *err,
		  size_t err_size)
{
	struct parser p = { cmdline, err, err_size, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (err_size > 0)
		err[0] = '\0';
	if (cmdline == NULL)
		return 0;
	rc = parse_all(&p, out);
	if (rc == 0)
		rc = check_net(&p, out);
	if (rc == 0)
		rc = check_api(&p, out);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
