/*
 * api_handlers: the read-only endpoints about the system (OSv's paths and
 * JSON shapes) and Carapace's /hardening and /net/classifier, and the
 * route table. Each handler hands out counts, sizes, names and switches:
 * never an address (kernel/api/README.md says why for each endpoint).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/date.h>
#include <carapace/fmt.h>
#include <carapace/json.h>

#include "api_impl.h"

static const struct api_platform *plat(struct api_call *c)
{
	return c->api->plat;
}

static void reply_string(struct api_call *c, const char *s)
{
	json_string(&c->json, s);
	api_json_done(c, 200);
}

static void reply_uint(struct api_call *c, uint64_t v)
{
	json_uint(&c->json, v);
	api_json_done(c, 200);
}

static void os_name(struct api_call *c) { reply_string(c, "Carapace"); }
static void os_vendor(struct api_call *c) { reply_string(c, "Carapace"); }
static void os_version(struct api_call *c) { reply_string(c, plat(c)->version); }
static void os_hostname(struct api_call *c) { reply_string(c, plat(c)->hostname); }

static void os_uptime(struct api_call *c)
{
	reply_uint(c, plat(c)->uptime_ms(plat(c)->ctx) / 1000);
}

static void os_memory_total(struct api_call *c)
{
	reply_uint(c, plat(c)->memory_total(plat(c)->ctx));
}

static void os_memory_free(struct api_call *c)
{
	reply_uint(c, plat(c)->memory_free(plat(c)->ctx));
}

static void processor_count(struct api_call *c)
{
	reply_uint(c, plat(c)->cpu_count(plat(c)->ctx));
}

static void hypervisor(struct api_call *c)
{
	reply_string(c, plat(c)->hypervisor(plat(c)->ctx));
}

/* The civil date of a day count since 1970-01-01 (the inverse of date.c's). */
void api_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097);
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ISO 8601 in UTC, "2026-12-06T03:53:48Z". */
static void os_date(struct api_call *c)
{
	int64_t s = plat(c)->wall_seconds(plat(c)->ctx), days, y;
	unsigned m, d, sod;
	char text[48];

	days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	sod = (unsigned)(s - days * 86400);
	api_civil_from_days(days, &y, &m, &d);
	fmt_snprintf(text, sizeof(text), "%04lld-%02u-%02uT%02u:%02u:%02uZ",
		     (long long)y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
	reply_string(c, text);
}

/* Secret values (the token file, the ASLR seed) become <redacted>. */
static void os_cmdline(struct api_call *c)
{
	char text[1024];

	api_redact_cmdline(plat(c)->cmdline, text, sizeof(text));
	api_redact_addresses(text, strlen(text));
	reply_string(c, text);
}

/*
 * The console log's last bytes with every run of 8+ hex digits starred
 * (layout=show's addresses). The log is copied into the last eighth of the
 * body buffer and escaped into the rest, which is large enough for the
 * worst case (6 bytes per byte), so the two never overlap.
 */
static void os_dmesg(struct api_call *c)
{
	size_t room = c->resp->body_size / 8;
	char *log = c->resp->body + c->resp->body_size - room;
	size_t n = plat(c)->dmesg(plat(c)->ctx, log, room);

	api_redact_addresses(log, n);
	json_init(&c->json, c->resp->body, c->resp->body_size - room);
	json_string_n(&c->json, log, n);
	api_json_done(c, 200);
}

static void thread_entry(void *arg, const struct api_thread_info *t)
{
	struct json *j = arg;

	json_object_begin(j);
	json_kv_uint(j, "id", t->id);
	json_kv_uint(j, "cpu", t->cpu);
	json_kv_uint(j, "cpu_ms", t->cpu_ms);
	json_kv_uint(j, "switches", t->switches);
	json_kv_uint(j, "migrations", t->migrations);
	json_kv_uint(j, "preemptions", t->preemptions);
	json_key(j, "priority");
	json_int(j, t->priority);
	json_kv_uint(j, "stack_size", t->stack_size);
	json_kv_string(j, "name", t->name);
	json_kv_string(j, "status", t->status);
	json_object_end(j);
}

static void os_threads(struct api_call *c)
{
	json_object_begin(&c->json);
	json_kv_uint(&c->json, "time_ms", plat(c)->uptime_ms(plat(c)->ctx));
	json_key(&c->json, "list");
	json_array_begin(&c->json);
	plat(c)->each_thread(plat(c)->ctx, thread_entry, &c->json);
	json_array_end(&c->json);
	json_object_end(&c->json);
	api_json_done(c, 200);
}

static void kv_ipv4(struct json *j, const char *key, uint32_t a)
{
	char text[16];

	fmt_snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24, a >> 16 & 255,
		     a >> 8 & 255, a & 255);
	json_kv_string(j, key, text);
}

static void netif_entry(void *arg, const struct api_netif_info *n)
{
	struct json *j = arg;
	char mac[18];

	fmt_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		     n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	json_object_begin(j);
	json_key(j, "config");
	json_object_begin(j);
	json_kv_string(j, "name", n->name);
	kv_ipv4(j, "addr", n->addr);
	kv_ipv4(j, "mask", n->mask);
	kv_ipv4(j, "broadcast", n->broadcast);
	json_kv_string(j, "flags", n->up ? "UP" : "DOWN");
	json_kv_uint(j, "mtu", n->mtu);
	json_kv_string(j, "phys_addr", mac);
	json_object_end(j);
	json_key(j, "data");
	json_object_begin(j);
	json_kv_uint(j, "ifi_ipackets", n->rx_packets);
	json_kv_uint(j, "ifi_ibytes", n->rx_bytes);
	json_kv_uint(j, "ifi_iqdrops", n->rx_drops);
	json_kv_uint(j, "ifi_opackets", n->tx_packets);
	json_kv_uint(j, "ifi_obytes", n->tx_bytes);
	json_kv_uint(j, "ifi_oqdrops", n->tx_drops);
	json_object_end(j);
	json_object_end(j);
}

static void network_ifconfig(struct api_call *c)
{
	json_array_begin(&c->json);
	plat(c)->each_netif(plat(c)->ctx, netif_entry, &c->json);
	json_array_end(&c->json);
	api_json_done(c, 200);
}

static void fs_entry(void *arg, const struct api_fs_info *f)
{
	struct json *j = arg;

	json_object_begin(j);
	json_kv_string(j, "filesystem", f->filesystem);
	json_kv_string(j, "mount", f->mount);
	json_kv_uint(j, "blocksize", f->blocksize);
	json_kv_uint(j, "btotal", f->btotal);
	json_kv_uint(j, "bfree", f->bfree);
	json_kv_uint(j, "ftotal", f->ftotal);
	json_kv_uint(j, "ffree", f->ffree);
	json_object_end(j);
}

static void fs_df(struct api_call *c)
{
	json_array_begin(&c->json);
	plat(c)->each_fs(plat(c)->ctx, fs_entry, &c->json);
	json_array_end(&c->json);
	api_json_done(c, 200);
}

static void flag_entry(void *arg, const char *name, bool on)
{
	json_kv_bool(arg, name, on);
}

static void count_entry(void *arg, const char *name, uint64_t value)
{
	json_kv_uint(arg, name, value);
}

static void hardening(struct api_call *c)
{
	json_object_begin(&c->json);
	json_key(&c->json, "defences");
	json_object_begin(&c->json);
	plat(c)->each_defence(plat(c)->ctx, flag_entry, &c->json);
	json_object_end(&c->json);
	json_key(&c->json, "violations");
	json_object_begin(&c->json);
	plat(c)->each_violation(plat(c)->ctx, count_entry, &c->json);
	json_object_end(&c->json);
	json_object_end(&c->json);
	api_json_done(c, 200);
}

static void net_classifier(struct api_call *c)
{
	int rc;

	json_object_begin(&c->json);
	json_key(&c->json, "counters");
	json_object_begin(&c->json);
	rc = plat(c)->each_classifier_counter(plat(c)->ctx, count_entry, &c->json);
	json_object_end(&c->json);
	json_object_end(&c->json);
	if (rc < 0)
		api_fail(c, api_status_from_errno(rc), "the classifier is not built in");
	else
		api_json_done(c, 200);
}

/* Swagger 1.2's resource listing, as OSv's /api-doc: the enabled routes only. */
static void api_doc(struct api_call *c)
{
	json_object_begin(&c->json);
	json_kv_string(&c->json, "apiVersion", "1");
	json_kv_string(&c->json, "swaggerVersion", "1.2");
	json_key(&c->json, "apis");
	json_array_begin(&c->json);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		char path[64];

		if (r->write && !c->api->write)
			continue;
		fmt_snprintf(path, sizeof(path), "%s%s", r->path,
			     !r->prefix ? "" : r->path[1] == 'e' ? "{var}" : "{path}");
		json_object_begin(&c->json);
		json_kv_string(&c->json, "path", path);
		json_kv_string(&c->json, "method", r->method);
		json_kv_string(&c->json, "description", r->summary);
		json_object_end(&c->json);
	}
	json_array_end(&c->json);
	json_object_end(&c->json);
	api_json_done(c, 200);
}

static void os_poweroff(struct api_call *c)
{
	json_string(&c->json, "powering off");
	api_json_done(c, 200);
	c->resp->after = API_AFTER_POWEROFF;
}

const struct api_route api_routes[] = {
	{ "GET", "/os/name", false, false, "the system's name", os_name },
	{ "GET", "/os/version", false, false, "the kernel's version", os_version },
	{ "GET", "/os/vendor", false, false, "the vendor", os_vendor },
	{ "GET", "/os/uptime", false, false, "seconds since boot", os_uptime },
	{ "GET", "/os/date", false, false, "the wall clock, UTC", os_date },
	{ "GET", "/os/memory/total", false, false, "bytes of RAM", os_memory_total },
	{ "GET", "/os/memory/free", false, false, "free bytes of RAM", os_memory_free },
	{ "GET", "/os/threads", false, false, "every thread's counters", os_threads },
	{ "GET", "/os/cmdline", false, false, "the boot command line, secrets redacted", os_cmdline },
	{ "GET", "/os/dmesg", false, false, "the console log, addresses starred", os_dmesg },
	{ "GET", "/os/hostname", false, false, "the host name", os_hostname },
	{ "POST", "/os/poweroff", false, true, "power the machine off", os_poweroff },
	{ "GET", "/hardware/processor/count", false, false, "CPUs", processor_count },
	{ "GET", "/hardware/hypervisor", false, false, "the hypervisor", hypervisor },
	{ "GET", "/network/ifconfig", false, false, "interfaces and their counters", network_ifconfig },
	{ "GET", "/fs/df", false, false, "mounted filesystems and their use", fs_df },
	{ "GET", "/api-doc", false, false, "this list", api_doc },
	{ "GET", "/hardening", false, false, "each defence's switch and violation counters", hardening },
	{ "GET", "/net/classifier", false, false, "the packet classifier's counters", net_classifier },
	{ "GET", "/env/", true, false, "the environment, or one variable", api_env_get },
	{ "PUT", "/env/", true, true, "set a variable (?val= or the body)", api_env_put },
	{ "DELETE", "/env/", true, true, "remove a variable", api_env_delete },
	{ "GET", "/file/", true, false, "a file's contents (not /dev, not the token file)", api_file_get },
	{ "POST", "/file/", true, true, "create a file under /tmp (409 if it exists)", api_file_post },
	{ "PUT", "/file/", true, true, "create or replace a file under /tmp", api_file_put },
	{ "DELETE", "/file/", true, true, "remove a file under /tmp", api_file_delete },
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
