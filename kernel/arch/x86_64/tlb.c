/*
 * TLB shootdown. All CPUs share one set of page tables, but each caches
 * translations in its own TLB. When a mapping is removed or loses a
 * permission, the CPU that changed it flushes its own entries (invlpg in
 * mmu.c) and then calls tlb_shootdown(): every other CPU that runs the
 * scheduler gets an IPI and reloads CR3, and the caller waits until each
 * has done so. Only then may the frames be reused, or a thread on another
 * CPU could still reach them through a stale entry.
 *
 * The wait is on generations: a request takes the next number; a CPU
 * records the newest number it has flushed for. A CPU waiting with
 * interrupts off (for a shootdown of its own, or for a spinlock taken with
 * spin_lock_irqsave_polling) keeps answering requests itself through
 * tlb_poll(), so two CPUs that shoot down at once, or one that holds
 * memory.c's lock while another waits for it, cannot deadlock.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/percpu.h>

#include <carapace/arch.h>
#include "irq.h"
#include "lapic.h"
#include <carapace/tlb.h>

static uint64_t requested;            /* the newest generation asked for */
static uint64_t flushed[MAX_CPUS];    /* per CPU: the newest it has flushed for */
static uint64_t refreshed[MAX_CPUS];  /* per CPU: the clock at its last tlb_refresh flush */
static bool ready;

void tlb_poll(void)
{
	unsigned me = this_cpu()->id;
	uint64_t want = __atomic_load_n(&requested, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&flushed[me], __ATOMIC_RELAXED) >= want)
		return;
	write_cr3(read_cr3()); /* CR4.PGE is off: this drops every entry */
	__atomic_store_n(&flushed[me], want, __ATOMIC_RELEASE);
}

/*
 * QEMU's TCG translates each guest access through a software TLB per CPU
 * (direct-mapped), and adapts its size only when the guest drops the
 * whole TLB: then it doubles it when more than 70% of its entries were
 * filled since the last such flush, and halves it when fewer than 30%
 * were for 100 ms. Carapace's one address space never reloads CR3 after
 * boot (a shootdown does, on the other CPUs only), so TCG kept the size
 * it had at boot: a program that touches more pages than that took a miss
 * (QEMU walks the page tables) on most accesses to them. The hardened
 * heap's 4 KiB blocks (a window of live blocks, 256 quarantined, each in
 * its own pages) were the first seen: host samples (perf) in QEMU's
 * TLB-fill code in a run of 3 million steps of heap_bench's 4 KiB row,
 * 1250 of 23355 without this, 69 of 19979 with it (musl's mallocng,
 * whose blocks are not quarantined: 76 of 8523, 46 of 7972;
 * hardening/README.md, "4 KiB: the sixth round"). One
 * flush every TLB_REFRESH_NS on each CPU that takes timer interrupts (a
 * CPU that runs a thread takes one at least every 100 ms): the refill
 * it costs is a few hundred misses, once. Under KVM a CR3 reload is as
 * cheap and as harmless.
 */
void tlb_refresh(uint64_t now_ns)
{
	unsigned me = this_cpu()->id;

	if (now_ns - refreshed[me] < TLB_REFRESH_NS)
		return;
	refreshed[me] = now_ns;
	write_cr3(read_cr3()); /* CR4.PGE is off: this drops every entry */
}

static void tlb_ipi(struct trap_frame *f)
{
	(void)f;
	tlb_poll();
}

void tlb_init(void)
{
	irq_register(VEC_IPI_TLB, tlb_ipi);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
}

void tlb_shootdown(void)
{
	uint64_t flags, gen;
	unsigned me;

	if (cpu_count < 2 || !__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		return;
	flags = irq_save();
	me = this_cpu()->id;
	tlb_poll(); /* answer the requests made before ours */
	gen = __atomic_add_fetch(&requested, 1, __ATOMIC_ACQ_REL);
	/*
	 * The caller dropped its own stale entries (invlpg): if no request came
	 * between the ones just answered and ours, this CPU needs no flush.
	 * Only this CPU writes its own count, and interrupts are off.
	 */
	if (__atomic_load_n(&flushed[me], __ATOMIC_RELAXED) == gen - 1)
		__atomic_store_n(&flushed[me], gen, __ATOMIC_RELEASE);
	lapic_send_ipi_all_others(VEC_IPI_TLB);
	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *c = cpu_table[i];

		/* CPUs not yet scheduling run no application code. */
		if (i == me || !c || !__atomic_load_n(&c->sched, __ATOMIC_ACQUIRE))
			continue;
		while (__atomic_load_n(&flushed[i], __ATOMIC_ACQUIRE) < gen) {
			tlb_poll();
			cpu_pause();
		}
	}
	tlb_poll();
	irq_restore(flags);
}
