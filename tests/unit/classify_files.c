/*
 * Classifies each file named on the command line as one Ethernet frame
 * (fragments dropped, the default policy) and prints "NAME RESULT", where
 * RESULT is the drop reason's name or the path's. Built and run by
 * test_classifier_frames.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <carapace/classifier.h>

int main(int argc, char **argv)
{
	static uint8_t frame[65536 + 14];
	struct classifier_config cfg = { .key = "classify-files-k" };
	struct classify_result res;

	if (classifier_init(&cfg))
		return 2;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t len;

		if (!f)
			return 2;
		len = fread(frame, 1, sizeof(frame), f);
		fclose(f);
		classify(frame, len, NULL, &res);
		printf("%s %s\n", argv[i], res.verdict == CLASSIFY_DROP ? classify_drop_name(res.reason)
								  : classify_path_name(res.path));
	}
	return 0;
}
