// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_c: C twin of the Rust mymem driver. A misc device /dev/mymem_c backed
 * by one kernel buffer, with the ioctls of <linux/mymem.h>. The contract is
 * docs/device.md; both drivers must behave identically.
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
	struct mymem_c_dev *dev = filp->private_data;
	loff_t base, pos;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = filp->f_pos;
		break;
	case SEEK_END:
		base = dev->size;
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(base, off, &pos) || pos < 0 || pos > dev->size)
		return -EINVAL;
	filp->f_pos = pos;
	return pos;
}

/*
 * read_iter/write_iter, like the Rust twin: the iov_iter copy routines stop
 * at a fault without touching the rest of the destination, whereas
 * copy_from_user() would zero the tail it could not copy, in our buffer.
 */
static ssize_t mymem_c_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct mymem_c_dev *dev = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	size_t n;

	if (pos < 0 || pos > dev->size)
		return -EINVAL;
	n = min_t(u64, iov_iter_count(to), dev->size - pos);
	if (!n)
		return 0;
	mutex_lock(&dev->data_lock);
	n = copy_to_iter(dev->buf + pos, n, to);
	mutex_unlock(&dev->data_lock);
	if (!n)
		return -EFAULT;
	iocb->ki_pos = pos + n;
	return n;
}

static ssize_t mymem_c_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct mymem_c_dev *dev = iocb->ki_filp->private_data;
	/* O_APPEND or RWF_APPEND: at the end, which cannot grow (-ENOSPC). */
	loff_t pos = iocb->ki_flags & IOCB_APPEND ? dev->size : iocb->ki_pos;
	size_t len = iov_iter_count(from);
	size_t n;

	if (pos < 0 || pos > dev->size)
		return -EINVAL;
	if (!len)
		return 0;
	if (pos == dev->size)
		return -ENOSPC;
	n = min_t(u64, len, dev->size - pos);
	mutex_lock(&dev->data_lock);
	n = copy_from_iter(dev->buf + pos, n, from);
	mutex_unlock(&dev->data_lock);
	if (!n)
		return -EFAULT;
	iocb->ki_pos = pos + n;
	return n;
}

static long mymem_c_fetch_add(struct mymem_c_dev *dev,
			      struct mymem_fetch_add __user *uarg)
{
	struct mymem_fetch_add arg;
	u64 *word;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!IS_ALIGNED(arg.offset, sizeof(u64)) ||
	    arg.offset > dev->size || dev->size - arg.offset < sizeof(u64))
		return -EINVAL;
	/* vmalloc memory is page aligned, so the u64 is naturally aligned. */
	word = (u64 *)(dev->buf + arg.offset);
	mutex_lock(&dev->data_lock);
	arg.old = *word;
	*word = arg.old + arg.delta;
	mutex_unlock(&dev->data_lock);
	/* The add has happened; a bad pointer only loses the old value. */
	if (put_user(arg.old, &uarg->old))
		return -EFAULT;
	return 0;
}

/*
 * One atomic step of MYMEM_IOC_LOCK: take the lock if it is free. True once
 * the wait is over, with *ret = 0 (taken) or -EDEADLK (@filp holds it).
 */
static bool mymem_c_trylock(struct mymem_c_dev *dev, struct file *filp,
			    long *ret)
{
	struct file *old = cmpxchg(&dev->lock_owner, NULL, filp);

	*ret = old == filp ? -EDEADLK : 0;
	return !old || old == filp;
}

static long mymem_c_lock(struct mymem_c_dev *dev, struct file *filp)
{
	long ret;

	if (filp->f_flags & O_NONBLOCK)
		return mymem_c_trylock(dev, filp, &ret) ? ret : -EAGAIN;

	/* The contract says -EINTR: a LOCK interrupted is not restarted. */
	if (wait_event_interruptible(dev->lock_wait,
				     mymem_c_trylock(dev, filp, &ret)))
		return -EINTR;
	return ret;
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
		return put_user((u64)dev->size, (u64 __user *)uarg);
	case MYMEM_IOC_FETCH_ADD:
		return mymem_c_fetch_add(dev, uarg);
	case MYMEM_IOC_LOCK:
		return mymem_c_lock(dev, filp);
	case MYMEM_IOC_UNLOCK:
		return mymem_c_unlock(dev, filp) ? 0 : -EPERM;
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
	struct mymem_c_dev *dev = filp->private_data;

	return remap_vmalloc_range(vma, dev->buf, vma->vm_pgoff);
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
