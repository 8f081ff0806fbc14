/*
 * Slides the kernel image to a random base at boot (aslr/README.md, "The
 * kernel image").
 *
 * boot.S calls kernel_relocate on the boot stack, still at the link address
 * KERNEL_VMA + phys, before anything else runs. It picks a random page of
 * [KERNEL_RELOC_BASE, KERNEL_RELOC_LIMIT), maps the image's frames there
 * too (4 KiB pages, in the boot page tables, with table pages of its own
 * .bss), and adds the slide to every 64-bit word of the image that holds an
 * address in it: the table scripts/gen-relocs made from the link records
 * (.relocs). boot.S then jumps to the same code at its new address and
 * moves the stack there; memory_init's page tables map the image only
 * there.
 *
 * Until then nothing may read a pointer that the table will change, so
 * this file reads no pointer from memory at all: code is compiled -fpie
 * (RIP-relative), string literals included. It runs before the boot
 * options are parsed and before %gs holds the stack protector's canary:
 * the options it needs (aslr=off, aslr.seed=N) it reads itself from the
 * Multiboot command line, and no function here has a stack protector.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/hardening.h>

#include <carapace/arch.h>
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "reloc.h"

#define MB_LOADER_MAGIC     0x2badb002
#define MB_INFO_CMDLINE     (1u << 2)
#define MB_INFO_FLAGS       0   /* the info's fields, as 32-bit words */
#define MB_INFO_CMDLINE_PTR 4
#define CPUID_1_ECX_RDRAND  (1u << 30)
#define RDRAND_RETRIES      10
#define ENTRIES             512 /* per page table */
#define WORD_MAX            40  /* the longest option read here: aslr.seed=0x + 16 */
/* Two PDPTs and two PDs (the image may cross a 512 GiB or 1 GiB line), and
 * page tables for an image of up to 22 MiB. */
#define BOOT_TABLE_PAGES    16

extern char __text_start[], __ksyms_end[];
extern const uint32_t kernel_relocs[], kernel_relocs_count;
extern uint32_t boot_multiboot_magic, boot_multiboot_info;

uint64_t kernel_image_slide __ro_after_init;
uint32_t kernel_image_how __ro_after_init;

static uint64_t boot_tables[BOOT_TABLE_PAGES][ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static int boot_tables_used;

/* The boot page tables map the first GiB of physical memory at KERNEL_VMA. */
static inline void *boot_phys_to_virt(uint64_t phys)
{
	return (void *)(KERNEL_VMA + phys);
}

struct early_options {
	bool off, seeded;
	uint64_t seed;
};

static __no_stack_protector bool word_is(const char *w, uint64_t n, const char *s)
{
	uint64_t i = 0;

	for (; i < n && s[i] && w[i] == s[i]; i++)
		;
	return i == n && s[i] == '\0';
}

/* aslr.seed's value as options.c reads it; false if it is not a number. */
static __no_stack_protector bool parse_seed(const char *c, uint64_t n, uint64_t *seed)
{
	uint64_t v = 0, base = 10, i = 0;

	if (n > 2 && c[0] == '0' && (c[1] | 0x20) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		uint64_t d;

		if (c[i] >= '0' && c[i] <= '9')
			d = (uint64_t)(c[i] - '0');
		else if (base == 16 && (c[i] | 0x20) >= 'a' && (c[i] | 0x20) <= 'f')
			d = (uint64_t)((c[i] | 0x20) - 'a' + 10);
		else
			return false;
		v = v * base + d;
	}
	*seed = v;
	return true;
}

/*
 * Decodes the word at s[*i] as options.c does (quotes dropped, a backslash
 * keeps the next character) into w, up to WORD_MAX characters; returns its
 * length (WORD_MAX + 1: longer, so none of ours), 0 at the end. *plain:
 * no quote or escape (a quoted "--" is an ordinary word).
 */
static __no_stack_protector uint64_t next_word(const char *s, uint64_t max, uint64_t *i,
					       char *w, bool *plain)
{
	uint64_t n = 0;
	bool quoted = false;

	while (*i < max && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	*plain = true;
	while (*i < max && s[*i] && (quoted || (s[*i] != ' ' && s[*i] != '\t'))) {
		char c = s[(*i)++];

		if (c == '"') {
			quoted = !quoted;
			*plain = false;
			continue;
		}
		if (c == '\\') {
			if (*i == max || !s[*i])
				break;
			c = s[(*i)++];
			*plain = false;
		}
		if (n < WORD_MAX)
			w[n] = c;
		n++;
	}
	return n > WORD_MAX ? WORD_MAX + 1 : n;
}

/*
 * The words before the first "--", the last one of a kind winning, as in
 * options.c, which checks the whole line later and refuses a bad one.
 * skip_first skips the image's path that Multiboot loaders put first.
 */
static __no_stack_protector void scan_options(const char *s, uint64_t max, bool skip_first,
					      struct early_options *o)
{
	char w[WORD_MAX];
	uint64_t i = 0, n;
	bool plain;

	while ((n = next_word(s, max, &i, w, &plain)) != 0) {
		if (skip_first) {
			skip_first = false;
			continue;
		}
		if (n > WORD_MAX)
			continue;
		if (plain && word_is(w, n, "--"))
			break;
		if (word_is(w, n, "aslr=off"))
			o->off = true;
		else if (word_is(w, n, "aslr=on"))
			o->off = false;
		else if (n > 10 && word_is(w, 10, "aslr.seed=") &&
			 parse_seed(w + 10, n - 10, &o->seed))
			o->seeded = true;
	}
}

/* The build profile's options, then the Multiboot command line. */
static __no_stack_protector void read_early_options(struct early_options *o)
{
	const uint32_t *mb;
	uint64_t info = boot_multiboot_info, cmdline;

	scan_options(PROFILE_BOOT_OPTIONS, sizeof(PROFILE_BOOT_OPTIONS), false, o);
	if (boot_multiboot_magic != MB_LOADER_MAGIC || info == 0 ||
	    info + 4 * (MB_INFO_CMDLINE_PTR + 1) > BOOT_MAPPED_BYTES)
		return;
	mb = boot_phys_to_virt(info);
	if (!(mb[MB_INFO_FLAGS] & MB_INFO_CMDLINE))
		return;
	cmdline = mb[MB_INFO_CMDLINE_PTR];
	if (cmdline != 0 && cmdline < BOOT_MAPPED_BYTES)
		scan_options(boot_phys_to_virt(cmdline), BOOT_MAPPED_BYTES - cmdline, true, o);
}

/* SplitMix64's finaliser: spreads a seed (or TSC readings) over 64 bits. */
static __no_stack_protector uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 64 random bits: RDRAND, or the TSC's jitter where there is none (weak). */
static __no_stack_protector uint64_t random_word(const struct early_options *o,
						  uint32_t *how)
{
	uint32_t r[4];
	uint64_t v = 0;

	if (o->seeded) {
		*how = KRELOC_SEED;
		return mix64(o->seed ^ 0x6b65726e656c2121ull); /* "kernel!!" */
	}
	cpuid(1, 0, r);
	for (int i = 0; (r[2] & CPUID_1_ECX_RDRAND) && i < RDRAND_RETRIES; i++) {
		unsigned char ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) {
			*how = KRELOC_RDRAND;
			return v;
		}
	}
	*how = KRELOC_TSC;
	for (int i = 0; i < 64; i++)
		v = mix64(v ^ rdtsc());
	return v;
}

/*
 * The table below `table` for va at a level (shift 39, 30, 21: from the
 * PML4, a PDPT, a PD), a page of boot_tables when there is none yet; 0
 * when they are all used.
 */
static __no_stack_protector uint64_t *next_table(uint64_t *table, uint64_t va, int shift)
{
	uint64_t *e = &table[(va >> shift) & (ENTRIES - 1)];

	if (!(*e & PTE_P)) {
		if (boot_tables_used == BOOT_TABLE_PAGES)
			return 0;
		/* .bss: zero, and at its link address its physical one is known. */
		*e = ((uint64_t)boot_tables[boot_tables_used++] - KERNEL_VMA) | PTE_P | PTE_W;
	}
	return boot_phys_to_virt(*e & PTE_ADDR);
}

/* Maps [va, va + size) to phys in the boot page tables, 4 KiB at a time. */
static __no_stack_protector bool boot_map(uint64_t va, uint64_t phys, uint64_t size)
{
	uint64_t *pml4 = boot_phys_to_virt(read_cr3() & PTE_ADDR);

	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t *t = pml4;

		for (int shift = 39; t && shift > 12; shift -= 9)
			t = next_table(t, va + off, shift);
		if (!t)
			return false;
		t[((va + off) >> 12) & (ENTRIES - 1)] = (phys + off) | PTE_P | PTE_W;
	}
	write_cr3(read_cr3());
	return true;
}

/*
 * Returns the slide (0: the image stays at its link address). The image
 * from __text_start to __ksyms_end moves as a whole, so code and data stay
 * within -fpie's 2 GiB of each other.
 */
__no_stack_protector uint64_t kernel_relocate(void)
{
	struct early_options o = { 0 };
	uint64_t start = (uint64_t)__text_start, size = (uint64_t)__ksyms_end - start;
	uint64_t pages = (KERNEL_RELOC_LIMIT - KERNEL_RELOC_BASE - size) / PAGE_SIZE + 1;
	uint64_t base, slide;
	uint32_t how = KRELOC_OFF;

	read_early_options(&o);
	if (o.off) /* over a seed too, as in aslr.c */
		return 0;
	/* A uniform page: the high half of a 64x64-bit product. */
	base = KERNEL_RELOC_BASE +
	       (uint64_t)(((unsigned __int128)random_word(&o, &how) * pages) >> 64) * PAGE_SIZE;
	slide = base - start;
	if (!boot_map(base, start - KERNEL_VMA, size)) {
		kernel_image_how = KRELOC_NO_TABLES;
		return 0;
	}
	/* Written through the old mapping: the same frames as the new one. */
	for (uint32_t i = 0; i < kernel_relocs_count; i++)
		*(uint64_t *)(start + kernel_relocs[i]) += slide;
	kernel_image_slide = slide;
	kernel_image_how = how;
	return slide;
}
