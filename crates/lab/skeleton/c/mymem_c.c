// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_c starter code (lab skeleton --lang c): a misc device /dev/mymem_c
 * backed by one kernel buffer, with the ioctls of <linux/mymem.h>. Module
 * load/unload, parameters, open and release are done; every TODO is yours.
 * The contract is docs/device.md; grade your work with `lab grade DIR`.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <linux/mymem.h>

static unsigned long size = MYMEM_SIZE_DEFAULT;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "buffer size in bytes (default 512 KiB, max 64 MiB)");

static bool exclusive;
module_param(exclusive, bool, 0444);
MODULE_PARM_DESC(exclusive, "refuse a second concurrent open with -EBUSY");

struct mymem_c_dev {
	struct miscdevice misc;
	/*
	 * Held across every copy so no access sees another half done. Not
	 * interruptible: holds are short, and the Rust twin cannot be either.
	 */
	struct mutex data_lock;
	/* vmalloc_user(): zeroed whole pages, mappable by remap_vmalloc_range(). */
	u8 *buf;
	loff_t size;
	/* Advisory lock: the open file holding it, or NULL. */
	struct file *lock_owner;
	wait_queue_head_t lock_wait;
	atomic_t open_count;
};

static struct mymem_c_dev mymem_c_dev;

static int mymem_c_open(struct inode *inode, struct file *filp)
{
	/* misc_open() left our struct miscdevice here. */
	struct mymem_c_dev *dev = container_of(filp->private_data,
					       struct mymem_c_dev, misc);

	if (atomic_inc_return(&dev->open_count) > 1 && exclusive) {
		atomic_dec(&dev->open_count);
		return -EBUSY;
	}
	filp->private_data = dev;
	/*
	 * The VFS serialises f_pos (fdget_pos() takes f_pos_lock) only for
	 * files with FMODE_ATOMIC_POS, which it sets for regular files and
	 * directories alone: without it, threads sharing this file lose
	 * position updates.
	 */
	filp->f_mode |= FMODE_ATOMIC_POS;
	return 0;
}

/* Gives up the advisory lock if @filp holds it; false if it did not. */
static bool mymem_c_unlock(struct mymem_c_dev *dev, struct file *filp)
{
	if (cmpxchg(&dev->lock_owner, filp, NULL) != filp)
		return false;
	wake_up_interruptible(&dev->lock_wait);
	return true;
}

static int mymem_c_release(struct inode *inode, struct file *filp)
{
	struct mymem_c_dev *dev = filp->private_data;

	mymem_c_unlock(dev, filp);
	atomic_dec(&dev->open_count);
	return 0;
}

static loff_t mymem_c_llseek(struct file *filp, loff_t off, int whence)
{
	/*
	 * TODO: SEEK_SET, SEEK_CUR, SEEK_END (end = dev->size); a result outside
	 * [0, size], overflow included, or any other whence: -EINVAL with
	 * filp->f_pos unchanged. See docs/device.md, "lseek".
	 */
	return -EINVAL;
}

/*
 * read_iter/write_iter, like the Rust twin: the iov_iter copy routines stop
 * at a fault without touching the rest of the destination, whereas
 * copy_from_user() would zero the tail it could not copy, in our buffer.
 */
static ssize_t mymem_c_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	/*
	 * TODO: copy min(len, size - pos) bytes from dev->buf + iocb->ki_pos with
	 * copy_to_iter() under dev->data_lock, advance iocb->ki_pos by what was
	 * copied; 0 at the end, -EFAULT if nothing could be copied, -EINVAL for a
	 * position outside [0, size]. See docs/device.md, "Buffer and file position".
	 */
	return 0;
}

static ssize_t mymem_c_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	/*
	 * TODO: like read, with copy_from_iter(); -ENOSPC at the end for len > 0,
	 * 0 for len == 0 (the offset is checked first). O_APPEND/RWF_APPEND
	 * (iocb->ki_flags & IOCB_APPEND) writes at the end: -ENOSPC.
	 */
	return -ENOSPC;
}

static long mymem_c_fetch_add(struct mymem_c_dev *dev,
			      struct mymem_fetch_add __user *uarg)
{
	/*
	 * TODO: copy the struct in, check offset (multiple of 8, offset + 8 <=
	 * size: else -EINVAL), add delta under dev->data_lock, store only `old`
	 * back (-EFAULT if that faults, after the add).
	 */
	return -ENOTTY;
}

/*
 * One atomic step of MYMEM_IOC_LOCK: take the lock if it is free. True once
 * the wait is over, with *ret = 0 (taken) or -EDEADLK (@filp holds it).
 */
static bool __maybe_unused mymem_c_trylock(struct mymem_c_dev *dev, struct file *filp,
			    long *ret)
{
	struct file *old = cmpxchg(&dev->lock_owner, NULL, filp);

	*ret = old == filp ? -EDEADLK : 0;
	return !old || old == filp;
}

static long mymem_c_lock(struct mymem_c_dev *dev, struct file *filp)
{
	/*
	 * TODO: wait interruptibly (-EINTR on a signal, not restarted) until the
	 * advisory lock is free and take it for @filp; -EDEADLK if @filp holds it;
	 * with O_NONBLOCK, -EAGAIN instead of waiting. mymem_c_trylock() is one
	 * atomic attempt.
	 */
	return -ENOTTY;
}

static long mymem_c_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct mymem_c_dev *dev = filp->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != MYMEM_IOC_MAGIC)
		return -ENOTTY;

	switch (cmd) {
	case MYMEM_IOC_SIZE:
		/* Given: the tests and tools ask the buffer size first. */
		return put_user((u64)dev->size, (u64 __user *)uarg);
	case MYMEM_IOC_FETCH_ADD:
		return mymem_c_fetch_add(dev, uarg);
	case MYMEM_IOC_LOCK:
		return mymem_c_lock(dev, filp);
	case MYMEM_IOC_UNLOCK:
		/* TODO: release the lock if @filp holds it (mymem_c_unlock()), else -EPERM. */
		return -ENOTTY;
	default:
		return -ENOTTY;
	}
}

/*
 * Maps the buffer at the mapping's file offset. remap_vmalloc_range() refuses
 * (-EINVAL) a range that does not fit in the buffer's pages, and sets
 * VM_DONTEXPAND so mremap() cannot grow the mapping past them. The mapping
 * holds the file, and the file this module (fops.owner), so rmmod fails while
 * it exists.
 */
static int mymem_c_mmap(struct file *filp, struct vm_area_struct *vma)
{
	/*
	 * TODO: map dev->buf at vma->vm_pgoff (remap_vmalloc_range()). See
	 * docs/device.md, "mmap".
	 */
	return -ENODEV;
}

static const struct file_operations mymem_c_fops = {
	.owner		= THIS_MODULE,
	.open		= mymem_c_open,
	.release	= mymem_c_release,
	.llseek		= mymem_c_llseek,
	.read_iter	= mymem_c_read_iter,
	.write_iter	= mymem_c_write_iter,
	/* The generic helpers for read_iter/write_iter files. */
	.splice_read	= copy_splice_read,
	.splice_write	= iter_file_splice_write,
	/* Memory: nothing to flush. */
	.fsync		= noop_fsync,
	.mmap		= mymem_c_mmap,
	.unlocked_ioctl	= mymem_c_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static int __init mymem_c_init(void)
{
	struct mymem_c_dev *dev = &mymem_c_dev;
	int ret;

	if (!size || size > MYMEM_SIZE_MAX) {
		pr_err("size=%lu out of range, must be 1..%llu\n",
		       size, MYMEM_SIZE_MAX);
		return -EINVAL;
	}

	mutex_init(&dev->data_lock);
	init_waitqueue_head(&dev->lock_wait);
	atomic_set(&dev->open_count, 0);
	dev->size = size;
	dev->buf = vmalloc_user(size);
	if (!dev->buf)
		return -ENOMEM;

	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = "mymem_c";
	dev->misc.fops = &mymem_c_fops;
	dev->misc.mode = 0666;
	ret = misc_register(&dev->misc);
	if (ret)
		goto err_free;

	pr_info("loaded, /dev/%s, size %lu bytes\n", dev->misc.name, size);
	return 0;

err_free:
	vfree(dev->buf);
	dev->buf = NULL;
	return ret;
}

static void __exit mymem_c_exit(void)
{
	struct mymem_c_dev *dev = &mymem_c_dev;

	misc_deregister(&dev->misc);
	vfree(dev->buf);
	mutex_destroy(&dev->data_lock);
	pr_info("unloaded\n");
}

module_init(mymem_c_init);
module_exit(mymem_c_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Memory-backed misc device /dev/mymem_c (C twin of mymem)");
MODULE_AUTHOR("mymem lab");
