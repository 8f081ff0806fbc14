/* A user's own shared library (libword.so) that tests/cc/run links an app with. */
const char *word(void)
{
	return "carapace";
}
