// SPDX-License-Identifier: GPL-2.0
/*
 * The seed lab's part 2 timing loop, in its style: for each size, write the
 * buffer at offset 0 and read it back with lseek + write/read, and check the
 * data. Plain syscalls only, so it must run unchanged against both drivers.
 *
 * usage: seed_timing DEVICE TRIALS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 64, 1024, 65536, 524288 };
	static char out[524288], in[524288];
	int fd, trials;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVICE TRIALS\n", argv[0]);
		return 1;
	}
	trials = atoi(argv[2]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	printf("%8s %12s %12s\n", "size", "write us", "read us");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		double w = 0, r = 0, t;

		for (int i = 0; i < trials; i++) {
			for (size_t j = 0; j < n; j++)
				out[j] = (char)rand();
			t = now_us();
			if (lseek(fd, 0, SEEK_SET) != 0 ||
			    write(fd, out, n) != (ssize_t)n) {
				perror("write");
				return 3;
			}
			w += now_us() - t;
			t = now_us();
			if (lseek(fd, 0, SEEK_SET) != 0 ||
			    read(fd, in, n) != (ssize_t)n) {
				perror("read");
				return 4;
			}
			r += now_us() - t;
			if (memcmp(in, out, n)) {
				fprintf(stderr, "size %zu: read back differs\n", n);
				return 5;
			}
		}
		printf("%8zu %12.3f %12.3f\n", n, w / trials, r / trials);
	}
	return 0;
}
