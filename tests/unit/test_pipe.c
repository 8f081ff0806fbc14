/*
 * Tests for kernel/fs/pipe.c and eventfd.c through the VFS: data in order
 * across the ring's end, end of file and -EPIPE once the other end is
 * gone, -EAGAIN where the kernel would wait, PIPE_ATOMIC writes, poll
 * bits, no offsets (-ESPIPE), every change announced, and nothing leaked.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <carapace/vfs.h>

#include "fs_helpers.h"

struct env {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	int changes; /* calls of the notify hook */
};

static void count_change(void *ctx)
{
	((struct env *)ctx)->changes++;
}

static void env_init(struct env *e)
{
	e->alloc = counting_alloc_init(&e->ca);
	vfs_init(&e->vfs, &e->alloc);
	e->vfs.notify = (struct vfs_notify){ .changed = count_change, .ctx = e };
	e->changes = 0;
}

static void env_done(struct env *e)
{
	vfs_destroy(&e->vfs);
	assert_int_equal(e->ca.outstanding, 0);
}

static void test_pipe_data(void **state)
{
	static uint8_t in[PIPE_CAPACITY + 100], out[sizeof(in)];
	struct vfs_file *rd, *wr;
	struct linux_stat st;
	struct env e;

	(void)state;
	env_init(&e);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), 0);
	assert_int_equal(vfs_read(rd, out, 10), -EAGAIN);    /* empty, a writer */
	assert_int_equal(vfs_write(rd, in, 1), -EBADF);      /* wrong end */
	assert_int_equal(vfs_read(wr, out, 1), -EBADF);
	assert_int_equal(vfs_write(wr, in, 0), 0);
	/* Fill it, drain part, and wrap around the ring's end. */
	assert_int_equal(vfs_write(wr, in, sizeof(in)), PIPE_CAPACITY);
	assert_int_equal(vfs_write(wr, in, 1), -EAGAIN);     /* full */
	assert_int_equal(vfs_read(rd, out, 1000), 1000);
	assert_memory_equal(out, in, 1000);
	assert_int_equal(vfs_write(wr, in + PIPE_CAPACITY, 100), 100);
	assert_int_equal(vfs_read(rd, out, sizeof(out)), PIPE_CAPACITY - 1000 + 100);
	assert_memory_equal(out, in + 1000, PIPE_CAPACITY - 1000 + 100);
	/* No offsets; fstat says FIFO. */
	assert_int_equal(vfs_lseek(rd, 0, VFS_SEEK_SET), -ESPIPE);
	assert_int_equal(vfs_pread(rd, out, 1, 0), -ESPIPE);
	assert_int_equal(vfs_pwrite(wr, in, 1, 0), -ESPIPE);
	assert_int_equal(vfs_fstat(rd, &st), 0);
	assert_true(VFS_S_ISFIFO(st.st_mode));
	assert_true(vfs_file_is_stream(rd));
	assert_true(e.changes >= 4);
	vfs_file_put(rd);
	vfs_file_put(wr);
	env_done(&e);
}

/* PIPE_ATOMIC bytes or fewer go in whole or not at all; more may split. */
static void test_pipe_atomic(void **state)
{
	static uint8_t buf[PIPE_CAPACITY];
	struct vfs_file *rd, *wr;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe_new(&e.vfs, VFS_O_NONBLOCK, &rd, &wr), 0);
	assert_true(rd->flags & VFS_O_NONBLOCK);
	assert_int_equal(vfs_write(wr, buf, PIPE_CAPACITY - 100), PIPE_CAPACITY - 100);
	assert_int_equal(vfs_write(wr, buf, 200), -EAGAIN);
	assert_int_equal(vfs_write(wr, buf, PIPE_ATOMIC + 1), 100);
	vfs_file_put(wr);
	vfs_file_put(rd);
	env_done(&e);
}

/* The last writer gone: the rest, then end of file. The last reader gone:
 * -EPIPE. Poll says so on the way. */
static void test_pipe_ends(void **state)
{
	struct vfs_file *rd, *wr;
	char buf[8];
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), 0);
	assert_int_equal(vfs_poll(rd), 0);
	assert_int_equal(vfs_poll(wr), VFS_POLLOUT | VFS_POLLWRNORM);
	assert_int_equal(vfs_write(wr, "abc", 3), 3);
	assert_int_equal(vfs_poll(rd), VFS_POLLIN | VFS_POLLRDNORM);
	vfs_file_get(wr); /* a dup: one close is not the last */
	vfs_file_put(wr);
	assert_int_equal(vfs_poll(rd), VFS_POLLIN | VFS_POLLRDNORM);
	vfs_file_put(wr);
	assert_int_equal(vfs_poll(rd), VFS_POLLIN | VFS_POLLRDNORM | VFS_POLLHUP);
	assert_int_equal(vfs_read(rd, buf, sizeof(buf)), 3);
	assert_int_equal(vfs_read(rd, buf, sizeof(buf)), 0);
	vfs_file_put(rd);

	assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), 0);
	vfs_file_put(rd);
	assert_int_equal(vfs_poll(wr), VFS_POLLOUT | VFS_POLLWRNORM | VFS_POLLERR);
	assert_int_equal(vfs_write(wr, "x", 1), -EPIPE);
	vfs_file_put(wr);
	env_done(&e);
}

/* Every allocation failure leaves nothing behind. */
static void test_pipe_no_memory(void **state)
{
	struct vfs_file *rd, *wr;
	struct env e;

	(void)state;
	env_init(&e);
	for (long n = 0; n < 4; n++) {
		e.ca.fail_after = n;
		assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), -ENOMEM);
		assert_int_equal(e.ca.outstanding, 0);
	}
	e.ca.fail_after = 0;
	assert_int_equal(eventfd_new(&e.vfs, 0, 0, &rd), -ENOMEM);
	e.ca.fail_after = 1;
	assert_int_equal(eventfd_new(&e.vfs, 0, 0, &rd), -ENOMEM);
	e.ca.fail_after = -1;
	env_done(&e);
}

static int64_t put_u64(struct vfs_file *f, uint64_t v)
{
	return vfs_write(f, &v, sizeof(v));
}

static uint64_t get_u64(struct vfs_file *f)
{
	uint64_t v = 12345;

	assert_int_equal(vfs_read(f, &v, sizeof(v)), sizeof(v));
	return v;
}

static void test_eventfd(void **state)
{
	struct vfs_file *f;
	struct linux_stat st;
	uint8_t small[4];
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(eventfd_new(&e.vfs, 5, 0, &f), 0);
	assert_int_equal(vfs_poll(f), VFS_POLL_ALWAYS);
	assert_int_equal(get_u64(f), 5);
	assert_int_equal(vfs_read(f, small, 8), -EAGAIN);
	assert_int_equal(vfs_poll(f), VFS_POLLOUT | VFS_POLLWRNORM);
	assert_int_equal(vfs_read(f, small, sizeof(small)), -EINVAL);
	assert_int_equal(vfs_write(f, small, sizeof(small)), -EINVAL);
	assert_int_equal(put_u64(f, 2), 8);
	assert_int_equal(put_u64(f, 3), 8);
	assert_int_equal(get_u64(f), 5);
	/* The counter holds at most UINT64_MAX - 1; UINT64_MAX is no value. */
	assert_int_equal(put_u64(f, UINT64_MAX), -EINVAL);
	assert_int_equal(put_u64(f, UINT64_MAX - 1), 8);
	assert_int_equal(vfs_poll(f), VFS_POLLIN | VFS_POLLRDNORM);
	assert_int_equal(put_u64(f, 1), -EAGAIN);
	assert_int_equal(put_u64(f, 0), 8);
	assert_int_equal(get_u64(f), UINT64_MAX - 1);
	assert_int_equal(vfs_lseek(f, 0, VFS_SEEK_SET), -ESPIPE);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.st_mode, 0600);
	vfs_file_put(f);
	env_done(&e);
}

/*
 * A buffer that vanished while the reader or writer slept: -EFAULT, and
 * the pipe keeps every byte that was not copied (main consumed them and
 * wrote into the unmapped buffer).
 */
static void test_pipe_buffer_vanished(void **state)
{
	static uint8_t fill[PIPE_CAPACITY];
	uint8_t out[16], gone[16];
	struct vfs_file *rd, *wr;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(pipe_new(&e.vfs, 0, &rd, &wr), 0);
	vanished_lo = gone;
	vanished_hi = gone + sizeof(gone);
	assert_int_equal(vfs_write(wr, "hello", 5), 5);
	assert_int_equal(vfs_read(rd, gone, sizeof(gone)), -EFAULT);
	assert_int_equal(vfs_read(rd, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(vfs_write(wr, gone, 4), -EFAULT);
	assert_int_equal(vfs_read(rd, out, sizeof(out)), -EAGAIN); /* nothing went in */
	/* Across the ring's end (its head 2 bytes before it, after "hello"):
	 * the first chunk is copied, the rest stays. */
	assert_int_equal(vfs_write(wr, fill, PIPE_CAPACITY - 7), PIPE_CAPACITY - 7);
	assert_int_equal(vfs_read(rd, fill, PIPE_CAPACITY - 7), PIPE_CAPACITY - 7);
	assert_int_equal(vfs_write(wr, "abcdef", 6), 6);
	vanished_lo = out + 2;
	vanished_hi = out + sizeof(out);
	assert_int_equal(vfs_read(rd, out, 6), 2);
	vanished_lo = vanished_hi = NULL;
	assert_int_equal(vfs_read(rd, out + 2, 6), 4);
	assert_memory_equal(out, "abcdef", 6);
	vfs_file_put(rd);
	vfs_file_put(wr);
	env_done(&e);
}

/* The same for an eventfd: the count stays when it cannot be delivered. */
static void test_eventfd_buffer_vanished(void **state)
{
	uint64_t v = 3, gone;
	struct vfs_file *f;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(eventfd_new(&e.vfs, 0, 0, &f), 0);
	assert_int_equal(vfs_write(f, &v, sizeof(v)), sizeof(v));
	vanished_lo = (const uint8_t *)&gone;
	vanished_hi = vanished_lo + sizeof(gone);
	assert_int_equal(vfs_read(f, &gone, sizeof(gone)), -EFAULT);
	assert_int_equal(vfs_write(f, &gone, sizeof(gone)), -EFAULT);
	vanished_lo = vanished_hi = NULL;
	v = 0;
	assert_int_equal(vfs_read(f, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 3);
	vfs_file_put(f);
	env_done(&e);
}

static void test_eventfd_semaphore(void **state)
{
	struct vfs_file *f;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(eventfd_new(&e.vfs, 2, EVENTFD_SEMAPHORE | VFS_O_NONBLOCK, &f), 0);
	assert_true(f->flags & VFS_O_NONBLOCK);
	assert_int_equal((f->flags & VFS_O_ACCMODE), VFS_O_RDWR);
	assert_int_equal(get_u64(f), 1);
	assert_int_equal(get_u64(f), 1);
	assert_int_equal(vfs_read(f, &(uint64_t){ 0 }, 8), -EAGAIN);
	vfs_file_put(f);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_data),
		cmocka_unit_test(test_pipe_atomic),
		cmocka_unit_test(test_pipe_ends),
		cmocka_unit_test(test_pipe_no_memory),
		cmocka_unit_test(test_eventfd),
		cmocka_unit_test(test_eventfd_semaphore),
		cmocka_unit_test(test_pipe_buffer_vanished),
		cmocka_unit_test(test_eventfd_buffer_vanished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
