/*
 * api_auth: the Bearer token and the per-peer throttle of failed attempts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>

/*
 * The time taken depends on the real token's length only, never on where
 * the first difference lies, so timing cannot reveal a prefix. The length
 * difference is folded into the same accumulator.
 */
bool api_token_matches(const struct api *api, const char *given, size_t given_len)
{
	uint64_t diff = (uint64_t)(given_len ^ api->token_len);

	for (size_t i = 0; i < api->token_len; i++) {
		unsigned char g = i < given_len ? (unsigned char)given[i] : 0;

		diff |= (uint64_t)(g ^ (unsigned char)api->token[i]);
	}
	/* An empty configured token never matches (api_init refuses it too). */
	return diff == 0 && api->token_len > 0;
}

static struct api_throttle_entry *find_peer(struct api *api, const struct api_peer *peer)
{
	for (size_t i = 0; i < API_PEERS; i++)
		if (api->throttle[i].used &&
		    memcmp(&api->throttle[i].peer, peer, sizeof(*peer)) == 0)
			return &api->throttle[i];
	return NULL;
}

bool api_throttled(struct api *api, const struct api_peer *peer, uint64_t now_ms,
		   unsigned *retry_after_s)
{
	struct api_throttle_entry *e = find_peer(api, peer);

	if (e == NULL || now_ms >= e->until_ms)
		return false;
	*retry_after_s = (unsigned)((e->until_ms - now_ms + 999) / 1000);
	return true;
}

/*
 * After API_FREE_FAILURES failures a peer waits 1 s, then 2, 4, ... up to
 * API_MAX_DELAY_MS before each further attempt. A full table forgets the
 * peer heard from longest ago: a flood of new peers can only make the
 * throttle forget, never refuse an honest client that has a token.
 */
void api_throttle_failure(struct api *api, const struct api_peer *peer, uint64_t now_ms)
{
	struct api_throttle_entry *e = find_peer(api, peer);

	if (e == NULL) {
		e = &api->throttle[0];
		for (size_t i = 0; i < API_PEERS; i++) {
			if (!api->throttle[i].used) {
				e = &api->throttle[i];
				break;
			}
			if (api->throttle[i].last_ms < e->last_ms)
				e = &api->throttle[i];
		}
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->peer = *peer;
	}
	e->last_ms = now_ms;
	if (e->failures < UINT32_MAX)
		e->failures++;
	if (e->failures >= API_FREE_FAILURES) {
		uint32_t step = e->failures - API_FREE_FAILURES;
		uint64_t delay = step >= 16 ? API_MAX_DELAY_MS : 1000ull << step;

		if (delay > API_MAX_DELAY_MS)
			delay = API_MAX_DELAY_MS;
		e->until_ms = now_ms + delay;
	}
}

void api_throttle_success(struct api *api, const struct api_peer *peer)
{
	struct api_throttle_entry *e = find_peer(api, peer);

	if (e != NULL)
		memset(e, 0, sizeof(*e));
}

void api_token_from_bytes(const uint8_t *bytes, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

int api_init(struct api *api, const struct api_platform *plat, bool write,
	     const char *token, size_t token_len, const char *token_file)
{
	memset(api, 0, sizeof(*api));
	if (token_len == 0 || token_len > API_TOKEN_MAX)
		return -EINVAL;
	/* A token must survive an Authorization header: visible ASCII only. */
	for (size_t i = 0; i < token_len; i++)
		if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f)
			return -EINVAL;
	api->plat = plat;
	api->write = write;
	memcpy(api->token, token, token_len);
	api->token_len = token_len;
	api->token_file = token_file;
	return 0;
}
