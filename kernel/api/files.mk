# kernel/api/: the REST API (issue 15; see README.md). Portable: the HTTP
# parser, the JSON writer, authentication, paths and the handlers, which ask
# the kernel everything through struct api_platform.
KERNEL_PORTABLE_SRCS += kernel/api/http.c kernel/api/json.c kernel/api/api.c \
	kernel/api/api_auth.c kernel/api/api_path.c kernel/api/api_handlers.c \
	kernel/api/api_files.c
# Kernel only: the platform on the real kernel, and the server on lwIP's
# netconn API (it sees lwIP's headers and the port's, as kernel/net's do).
API_KERNEL_SRCS := kernel/api/api_kernel.c kernel/api/api_server.c
KERNEL_ONLY_SRCS += $(API_KERNEL_SRCS)
$(BUILD)/kernel/kernel/api/api_server.c.o: KERNEL_CFLAGS += $(LWIP_INCLUDES) -Ikernel/net
$(BUILD)/kernel/kernel/api/api_server.c.o: | $(LWIP_STAMP)
