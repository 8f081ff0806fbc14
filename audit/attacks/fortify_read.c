/*
 * FORTIFY, read: the attacker's input file (written to /tmp first, as a
 * malicious upload would be) is read with its own length into the 16-byte
 * global (__read_chk).
 */
#include <fcntl.h>
#include <unistd.h>
#include "fortify_target.h"

int main(void)
{
	char payload[128];
	size_t n = fortify_payload(payload, sizeof(payload));
	int fd = open("/tmp/input", O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, payload, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		AUDIT_SAY("fortify-read: could not stage the input file");
		return 2;
	}
	AUDIT_SAY("fortify-read: reading %zu bytes into %zu", n, sizeof(field_a));
	INTO_LOWER_FIELD(read(fd, dst, OPAQUE(n)));
	fortify_check();
	return 0;
}
