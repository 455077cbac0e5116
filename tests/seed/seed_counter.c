// SPDX-License-Identifier: GPL-2.0
/*
 * The seed lab's part 3 program, in its style: W threads each do N
 * read-increment-write cycles of a counter at offset 0 of the device with
 * plain open/lseek/read/write, then the percent error is printed. It uses no
 * mymem ioctl, so it must run unchanged against both drivers.
 *
 * usage: seed_counter DEVICE W N
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *device;
static long iterations;

static void *worker(void *arg)
{
	int fd = open(device, O_RDWR);
	uint64_t value;

	(void)arg;
	if (fd < 0) {
		perror("open");
		exit(2);
	}
	for (long i = 0; i < iterations; i++) {
		if (lseek(fd, 0, SEEK_SET) != 0 ||
		    read(fd, &value, sizeof(value)) != sizeof(value)) {
			perror("read");
			exit(3);
		}
		value++;
		if (lseek(fd, 0, SEEK_SET) != 0 ||
		    write(fd, &value, sizeof(value)) != sizeof(value)) {
			perror("write");
			exit(4);
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t zero = 0, counter;
	pthread_t threads[256];
	long workers;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVICE W N\n", argv[0]);
		return 1;
	}
	device = argv[1];
	workers = atol(argv[2]);
	iterations = atol(argv[3]);
	if (workers < 1 || workers > 256 || iterations < 1)
		return 1;
	fd = open(device, O_RDWR);
	if (fd < 0 || write(fd, &zero, sizeof(zero)) != sizeof(zero)) {
		perror(device);
		return 2;
	}
	for (long w = 0; w < workers; w++)
		pthread_create(&threads[w], NULL, worker, NULL);
	for (long w = 0; w < workers; w++)
		pthread_join(threads[w], NULL);
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, &counter, sizeof(counter)) != sizeof(counter)) {
		perror("read back");
		return 5;
	}
	printf("expected %ld actual %llu error %.3f%%\n", workers * iterations,
	       (unsigned long long)counter,
	       100.0 * (double)(workers * iterations - (long)counter) /
		       (double)(workers * iterations));
	return 0;
}
