/*
 * decay: runtime with exponential decay, in fixed point (portable).
 *
 * The scheduler runs the runnable thread that has used the least CPU time
 * recently, where "recently" weighs each past nanosecond by e^(-age/tau),
 * tau = 200 ms, as OSv does: a thread that slept is favoured for a while,
 * and one that computed long ago is not punished forever.
 *
 * Decaying every thread's runtime as time passes would cost O(threads). So
 * time runs the other way: each CPU has a scale s(t) = 2^((t - epoch) / H),
 * H = tau * ln 2, and a nanosecond of running at time t adds s(t) to a
 * thread's stored runtime. Stored runtimes of one CPU compare exactly as
 * decayed runtimes do. When the scale grows large the CPU moves its epoch
 * forward and divides every stored runtime by the same power of two.
 * The kernel has no floating point (-mgeneral-regs-only): hence Q32.
 */
#ifndef CARAPACE_DECAY_H
#define CARAPACE_DECAY_H

#include <stdint.h>

#define DECAY_HALF_LIFE_NS 138629436ull /* tau = 200 ms: H = tau * ln 2 */
#define DECAY_RENORM_HALF_LIVES 16      /* move the epoch after this many */

/* 2^(dt / H) in Q32; dt beyond 31 half-lives saturates. */
uint64_t decay_scale_q32(uint64_t dt_ns);

/* The stored-runtime increment for running ns nanoseconds at scale_q32. */
uint64_t decay_charge(uint64_t ns, uint64_t scale_q32);

/* value * to / from (moving a stored runtime between scales), saturating. */
uint64_t decay_rescale(uint64_t value, uint64_t from_q32, uint64_t to_q32);

#endif
