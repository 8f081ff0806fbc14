/* Running the application (libc/app.c, in the image that carries musl). */
#ifndef CARAPACE_APP_H
#define CARAPACE_APP_H

#include <stddef.h>

/*
 * Loads argv[0] from the filesystem and runs it; returns only when it
 * cannot (a negative errno, with a one-line reason in err). The
 * application ends through exit_group, which powers the machine off. An
 * image built without musl has a stand-in that refuses.
 */
int app_run(int argc, const char *const *argv, int envc, const char *const *envp,
	    char *err, size_t errlen);

#endif
