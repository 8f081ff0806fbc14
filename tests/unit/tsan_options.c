/*
 * Linked into the ThreadSanitizer builds of the unit tests only: a data
 * race stops the program at once with status 66, so the test runner sees a
 * failure even when no TSAN_OPTIONS is set.
 */
const char *__tsan_default_options(void);

const char *__tsan_default_options(void)
{
	return "halt_on_error=1:exitcode=66";
}
