# kernel/api/: the REST API (issue 15; see README.md). Portable: the HTTP
# parser, the JSON writer, authentication, paths and the handlers, which ask
# the kernel everything through struct api_platform.
KERNEL_PORTABLE_SRCS += kernel/api/http.c kernel/api/json.c kernel/api/api.c \
	kernel/api/api_auth.c kernel/api/api_path.c kernel/api/api_handlers.c \
	kernel/api/api_files.c
