/*
 * A model of kernel/sync/mpsc.c for the spin model checker: NPROD producers
 * push NITEMS items each while one consumer pops, with the wake-up rule of
 * carapace/mpsc.h (a producer whose push returns true kicks the consumer;
 * the consumer, finding the queue empty, sleeps until kicked).
 *
 * Checked in every interleaving: each item comes out exactly once, each
 * producer's items in the order it pushed them, and the consumer never
 * sleeps for good while an item is queued (spin reports that as an invalid
 * end state). Every shared access is one step, as the C code's atomics are;
 * the memory orders are argued in the C files and tested under TSan.
 *
 * Node k (1..NNODES) is item (k-1) % NITEMS of producer (k-1) / NITEMS;
 * 0 is NULL.
 */
#ifndef NPROD
#define NPROD 2
#endif
#ifndef NITEMS
#define NITEMS 3
#endif
#define NNODES (NPROD * NITEMS)

byte incoming;           /* q->incoming */
byte next[NNODES + 1];   /* each node's next field */
bit kick;                /* a pending notification (an IPI) */
byte delivered[NNODES + 1];

/* mpsc_push, and the kick when it returns true */
proctype producer(byte p)
{
	byte i, n, old;
	bool done;

	for (i : 0 .. NITEMS - 1) {
		n = p * NITEMS + i + 1;
		old = incoming;
		done = false;
		do
		:: done -> break
		:: else ->
			next[n] = old;
			atomic {   /* compare-and-swap; a failure reloads old */
				if
				:: incoming == old -> incoming = n; done = true
				:: else -> old = incoming
				fi
			}
		od;
		if
		:: old == 0 -> kick = 1
		:: else -> skip
		fi
	}
}

/* mpsc_pop into n: the private batch first, then the incoming list */
inline pop(n)
{
	if
	:: batch != 0 -> n = batch
	:: else ->
		if
		:: incoming == 0 -> n = 0          /* the cheap look */
		:: else ->
			atomic { n = incoming; incoming = 0 }  /* exchange */
			/* The reversal touches only nodes the consumer now owns. */
			d_step {
				fifo = 0;
				do
				:: n != 0 -> nx = next[n]; next[n] = fifo; fifo = n; n = nx
				:: else -> break
				od;
				n = fifo;
				nx = 0;
				fifo = 0
			}
		fi
	fi;
	if
	:: n != 0 -> batch = next[n]; next[n] = 0
	:: else -> skip
	fi
}

active proctype consumer()
{
	byte batch, n, nx, fifo, got;
	byte expect[NPROD];

	do
	:: got == NNODES -> break
	:: else ->
		pop(n);
		if
		:: n == 0 -> atomic { kick == 1 -> kick = 0 }  /* sleep until kicked */
		:: else ->
			delivered[n]++;
			assert(delivered[n] == 1);
			assert((n - 1) % NITEMS == expect[(n - 1) / NITEMS]);
			expect[(n - 1) / NITEMS]++;
			got++
		fi
	od;
	pop(n);
	assert(n == 0)
}

init
{
	byte p;

	atomic {
		for (p : 0 .. NPROD - 1) {
			run producer(p)
		}
	}
}
