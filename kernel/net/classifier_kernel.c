/*
 * The classifier in the kernel: its key comes from the kernel's random
 * generator at boot (a fresh key each boot, so a flow that collided with
 * another in one boot does not in the next), and its read sections and
 * grace periods are the kernel's RCU.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/classifier.h>
#include <carapace/console.h>
#include <carapace/random.h>
#include <carapace/rcu.h>
#include <carapace/spinlock.h>
#include <carapace/wipe.h>

static void kernel_read_lock(void)
{
	rcu_read_lock();
}

static void kernel_read_unlock(void)
{
	rcu_read_unlock();
}

static const struct classifier_rcu kernel_rcu = {
	.read_lock = kernel_read_lock,
	.read_unlock = kernel_read_unlock,
	.synchronize = synchronize_rcu,
};

/*
 * Once per boot: a second caller (test=classifier while the network is
 * up) must not change the key under frames being classified.
 */
int classifier_kernel_init(size_t mtu, bool fragments_to_stack)
{
	static struct spinlock once_lock = SPINLOCK_INIT;
	static bool started;
	struct classifier_config cfg = {
		.mtu = mtu, .fragments_to_stack = fragments_to_stack, .rcu = &kernel_rcu,
	};
	int ret = rcu_init();

	if (ret)
		return ret;
	random_bytes(cfg.key, sizeof(cfg.key));
	spin_lock(&once_lock);
	if (!started) {
		ret = classifier_init(&cfg);
		started = ret == 0;
	}
	spin_unlock(&once_lock);
	wipe(cfg.key, sizeof(cfg.key));
	return ret;
}

void classifier_print_counters(void)
{
	char text[CLASSIFIER_COUNTERS_TEXT_MAX];
	int len = classifier_counters_format(text, sizeof(text));
	char *line = text;

	if (len >= (int)sizeof(text))
		kprintf("classifier: counters cut at %zu of %d bytes\n", sizeof(text), len);
	while (*line) {
		char *end = strchr(line, '\n');

		if (!end)
			break;
		*end = '\0';
		kprintf("classifier: %s\n", line);
		line = end + 1;
	}
}
