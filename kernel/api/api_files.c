/*
 * api_files: /env/{var} and /file/{path}. Names are decoded and checked
 * completely (api_path.c) before the platform is asked anything.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/json.h>

#include "api_impl.h"

#define ENV_VALUE_MAX 1024

static const struct api_platform *plat(struct api_call *c)
{
	return c->api->plat;
}

/* A variable's name: decoded, not empty, without '=' (the environment's separator). */
static int env_name(struct api_call *c, char *name, size_t size)
{
	long n = api_percent_decode(c->rest, name, size);

	if (n == 0 || (n > 0 && strchr(name, '=') != NULL))
		n = -EINVAL;
	if (n < 0) {
		api_fail(c, api_status_from_errno((int)n),
			 n == -ENAMETOOLONG ? "the name is too long"
					    : "a variable's name is required, without '=' or control characters");
		return -1;
	}
	return 0;
}

/* OSv's /env/ lists "NAME=VALUE" strings. */
static void env_entry(void *arg, const char *name, const char *value)
{
	struct json *j = arg;
	char text[API_PATH_MAX + ENV_VALUE_MAX + 2];
	size_t nl = strnlen(name, API_PATH_MAX), vl = strnlen(value, ENV_VALUE_MAX);

	memcpy(text, name, nl);
	text[nl] = '=';
	memcpy(text + nl + 1, value, vl);
	json_string_n(j, text, nl + 1 + vl);
}

void api_env_get(struct api_call *c)
{
	char name[API_PATH_MAX], value[ENV_VALUE_MAX];
	int rc;

	if (c->rest.n == 0) {
		json_array_begin(&c->json);
		plat(c)->each_env(plat(c)->ctx, env_entry, &c->json);
		json_array_end(&c->json);
		api_json_done(c, 200);
		return;
	}
	if (env_name(c, name, sizeof(name)) < 0)
		return;
	rc = plat(c)->get_env(plat(c)->ctx, name, value, sizeof(value));
	if (rc < 0) {
		api_fail(c, api_status_from_errno(rc), rc == -ENOENT ? "no such variable"
					   : "the variable cannot be read");
		return;
	}
	json_string(&c->json, value);
	api_json_done(c, 200);
}

/* The value: OSv's ?val=VALUE (percent-encoded), else the request's body. */
static long env_value(struct api_call *c, char *value, size_t size)
{
	struct http_str q = c->req->query;

	if (q.n >= 4 && memcmp(q.p, "val=", 4) == 0)
		return api_percent_decode((struct http_str){ q.p + 4, q.n - 4 }, value, size);
	if (c->req->body.n >= size)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < c->req->body.n; i++)
		if (c->req->body.p[i] == '\0')
			return -EINVAL;
	memcpy(value, c->req->body.p, c->req->body.n);
	value[c->req->body.n] = '\0';
	return (long)c->req->body.n;
}

void api_env_put(struct api_call *c)
{
	char name[API_PATH_MAX], value[ENV_VALUE_MAX];
	long n;
	int rc;

	if (env_name(c, name, sizeof(name)) < 0)
		return;
	n = env_value(c, value, sizeof(value));
	if (n < 0) {
		api_fail(c, 400, n == -ENAMETOOLONG ? "the value is too long"
			 : "the value must be ?val=VALUE (no control characters) or the body (no NUL)");
		return;
	}
	rc = plat(c)->set_env(plat(c)->ctx, name, value);
	if (rc < 0) {
		api_fail(c, api_status_from_errno(rc),
			 rc == -ENAMETOOLONG ? "the name or the value is too long"
			 : rc == -ENOSPC ? "no room for another variable" : "the variable cannot be set");
		return;
	}
	json_string(&c->json, "set");
	api_json_done(c, 200);
}

void api_env_delete(struct api_call *c)
{
	char name[API_PATH_MAX];
	int rc;

	if (env_name(c, name, sizeof(name)) < 0)
		return;
	rc = plat(c)->unset_env(plat(c)->ctx, name);
	if (rc < 0) {
		api_fail(c, api_status_from_errno(rc), "no such variable");
		return;
	}
	json_string(&c->json, "deleted");
	api_json_done(c, 200);
}

/* The checked path, or a 400/403 response and -1. */
static int file_path(struct api_call *c, bool write, char *path, size_t size)
{
	int rc = api_file_path(c->api, c->rest, write, path, size);

	if (rc == 0)
		return 0;
	api_fail(c, api_status_from_errno(rc),
		 rc == -EACCES ? (write ? "files may be written under /tmp/ only"
					: "this path may not be read through the API")
		 : rc == -ENAMETOOLONG ? "the path is too long"
			       : "a path without empty, '.' or '..' components is required");
	return -1;
}

/* The file's bytes as they are (application/octet-stream). */
void api_file_get(struct api_call *c)
{
	char path[API_PATH_MAX];
	long n;

	if (file_path(c, false, path, sizeof(path)) < 0)
		return;
	n = plat(c)->file_read(plat(c)->ctx, path, c->resp->body, c->resp->body_size);
	if (n < 0) {
		api_fail(c, n == -EFBIG ? 500 : api_status_from_errno((int)n),
			 n == -EFBIG ? "the file is larger than the API's response buffer"
			 : n == -ENOENT ? "no such file" : "the file cannot be read");
		return;
	}
	c->resp->status = 200;
	c->resp->content_type = "application/octet-stream";
	c->resp->body_len = (size_t)n;
}

static void file_write(struct api_call *c, bool exclusive)
{
	char path[API_PATH_MAX];
	int rc;

	if (file_path(c, true, path, sizeof(path)) < 0)
		return;
	rc = plat(c)->file_write(plat(c)->ctx, path, c->req->body.p, c->req->body.n,
				 exclusive);
	if (rc < 0) {
		api_fail(c, api_status_from_errno(rc),
			 rc == -EEXIST ? "the file exists (PUT replaces it)"
				       : "the file cannot be written");
		return;
	}
	json_object_begin(&c->json);
	json_kv_string(&c->json, "path", path);
	json_kv_uint(&c->json, "bytes", c->req->body.n);
	json_object_end(&c->json);
	api_json_done(c, exclusive ? 201 : 200);
}

void api_file_post(struct api_call *c) { file_write(c, true); }
void api_file_put(struct api_call *c) { file_write(c, false); }

void api_file_delete(struct api_call *c)
{
	char path[API_PATH_MAX];
	int rc;

	if (file_path(c, true, path, sizeof(path)) < 0)
		return;
	rc = plat(c)->file_delete(plat(c)->ctx, path);
	if (rc < 0) {
		api_fail(c, api_status_from_errno(rc),
			 rc == -ENOENT ? "no such file" : "the file cannot be removed");
		return;
	}
	json_string(&c->json, "deleted");
	api_json_done(c, 200);
}
