/*
 * FPU state with XSAVE (all the components XCR0 enables) where the CPU has
 * it, else FXSAVE (x87 and SSE only).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>

#define CR0_MP          (1ull << 1)
#define CR0_EM          (1ull << 2)
#define CR0_TS          (1ull << 3)
#define CR4_OSFXSR      (1ull << 9)
#define CR4_OSXMMEXCPT  (1ull << 10)
#define CR4_OSXSAVE     (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define FXSAVE_SIZE     512
#define FCW_DEFAULT     0x037f /* all x87 exceptions masked, 64-bit precision */
#define MXCSR_DEFAULT   0x1f80 /* all SSE exceptions masked, round to nearest */
#define MXCSR_OFFSET    24
/* The state components XSAVE covers: x87, SSE and AVX (AVX-512: later). */
#define XCR0_SAVED      0x7

static bool use_xsave, xsave_allowed = true;
static uint64_t xcr0;
static size_t area_size = FXSAVE_SIZE;

static uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void fpu_allow_xsave(bool allow)
{
	xsave_allowed = allow;
}

void fpu_init_cpu(void)
{
	uint32_t r[4];
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	cr0 = (cr0 | CR0_MP) & ~(CR0_EM | CR0_TS);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	cpuid(1, 0, r);
	use_xsave = xsave_allowed && (r[2] & CPUID1_ECX_XSAVE);
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	if (use_xsave) {
		/* Every user state component the CPU supports (leaf 0xd, sub 0). */
		cpuid(0xd, 0, r);
		xcr0 = ((uint64_t)r[3] << 32 | r[0]) & XCR0_SAVED;
		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)));
		cpuid(0xd, 0, r);
		area_size = r[1]; /* size for the components enabled in XCR0 */
	}
}

size_t fpu_area_size(void)
{
	return area_size;
}

void fpu_area_init(void *area)
{
	uint8_t *a = area;

	memset(a, 0, area_size);
	*(uint16_t *)a = FCW_DEFAULT;
	*(uint32_t *)(a + MXCSR_OFFSET) = MXCSR_DEFAULT;
	/* XSAVE header (bytes 512..575) all zero: every component in its init state. */
}

void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsaveq (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsaveq (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstorq (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstorq (%0)" : : "r"(area) : "memory");
}

const char *fpu_method(void)
{
	return use_xsave ? "xsave" : "fxsave";
}
