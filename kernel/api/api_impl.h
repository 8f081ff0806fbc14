/*
 * api_impl.h: what the router (api.c) and the handlers (api_handlers.c)
 * share; not for other components.
 */
#ifndef CARAPACE_API_IMPL_H
#define CARAPACE_API_IMPL_H

#include <carapace/api.h>
#include <carapace/json.h>

/* One request on its way through a handler. */
struct api_call {
	struct api *api;
	const struct http_request *req;
	struct http_str rest;   /* the path after a prefix route's prefix */
	uint64_t now_ms;
	struct api_response *resp;
	struct json json;       /* writes into resp->body */
};

typedef void (*api_handler_fn)(struct api_call *c);

struct api_route {
	const char *method;
	const char *path;
	bool prefix;   /* path is a prefix: /env/NAME, /file/PATH */
	bool write;    /* exists only with api.write=on */
	const char *summary;
	api_handler_fn handler;
};

extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* Ends a JSON response: 500 instead when the body did not fit. */
void api_json_done(struct api_call *c, int status);
/* {"message": ..., "code": status}, OSv's error shape. */
void api_fail(struct api_call *c, int status, const char *message);
/* The status for a platform's negative errno. */
int api_status_from_errno(int err);
/* The civil date (year, month 1..12, day 1..31) of a day count since 1970-01-01. */
void api_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* The handlers of /env and /file (api_files.c). */
void api_env_get(struct api_call *c);
void api_env_put(struct api_call *c);
void api_env_delete(struct api_call *c);
void api_file_get(struct api_call *c);
void api_file_post(struct api_call *c);
void api_file_put(struct api_call *c);
void api_file_delete(struct api_call *c);

#endif
