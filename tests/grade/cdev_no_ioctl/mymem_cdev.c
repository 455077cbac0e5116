// SPDX-License-Identifier: GPL-2.0
/*
 * mymem_cdev: the seed lab's part 2 as a student writes it for Linux 7.3.
 * A character device with a class (not a misc device), /dev/mymem_cdev,
 * backed by one kernel buffer: open, release, read, write and llseek only.
 * No ioctl, no mmap, no fsync, no splice.
 *
 * A grading self-test (tests/grade/cdev_no_ioctl, make test-grade): it must
 * lose the clauses of what it does not implement and nothing else.
 */

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define DEVICE_NAME "mymem_cdev"
#define CLASS_NAME "chardrv"
#define MAX_SIZE (64UL << 20)

static unsigned long size = 512 * 1024;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "buffer size in bytes (default 512 KiB, max 64 MiB)");

static bool exclusive;
module_param(exclusive, bool, 0444);
MODULE_PARM_DESC(exclusive, "only one open file at a time (-EBUSY)");

static dev_t devno;
static struct cdev mymem_cdev;
static struct class *mymem_class;
static struct device *mymem_device;

static u8 *buffer;
static DEFINE_MUTEX(buffer_lock);
static atomic_t open_count = ATOMIC_INIT(0);

static int mymem_open(struct inode *inode, struct file *filp)
{
	if (atomic_inc_return(&open_count) > 1 && exclusive) {
		atomic_dec(&open_count);
		return -EBUSY;
	}
	/* Threads sharing this file must not lose position updates. */
	filp->f_mode |= FMODE_ATOMIC_POS;
	return 0;
}

static int mymem_release(struct inode *inode, struct file *filp)
{
	atomic_dec(&open_count);
	return 0;
}

static ssize_t mymem_read(struct file *filp, char __user *buf, size_t len,
			  loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t n, left;

	if (pos < 0 || pos > size)
		return -EINVAL;
	n = min_t(u64, len, size - pos);
	if (!n)
		return 0;
	mutex_lock(&buffer_lock);
	left = copy_to_user(buf, buffer + pos, n);
	mutex_unlock(&buffer_lock);
	if (left == n)
		return -EFAULT;
	n -= left;
	*ppos = pos + n;
	return n;
}

static ssize_t mymem_write(struct file *filp, const char __user *buf,
			   size_t len, loff_t *ppos)
{
	/* O_APPEND: the end, which cannot grow. */
	loff_t pos = filp->f_flags & O_APPEND ? size : *ppos;
	size_t done = 0, n;
	u8 *page;

	if (pos < 0 || pos > size)
		return -EINVAL;
	if (!len)
		return 0;
	if (pos == size)
		return -ENOSPC;
	n = min_t(u64, len, size - pos);
	/*
	 * copy_from_user() zeroes what it could not copy: copy through a page
	 * so a fault leaves the rest of the buffer as it was.
	 */
	page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	mutex_lock(&buffer_lock);
	while (done < n) {
		size_t chunk = min_t(size_t, n - done, PAGE_SIZE);
		size_t got = chunk - copy_from_user(page, buf + done, chunk);

		memcpy(buffer + pos + done, page, got);
		done += got;
		if (got < chunk)
			break;
	}
	mutex_unlock(&buffer_lock);
	kfree(page);
	if (!done)
		return -EFAULT;
	*ppos = pos + done;
	return done;
}

static loff_t mymem_llseek(struct file *filp, loff_t off, int whence)
{
	loff_t base, pos;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = filp->f_pos;
		break;
	case SEEK_END:
		base = size;
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(base, off, &pos) || pos < 0 || pos > size)
		return -EINVAL;
	filp->f_pos = pos;
	return pos;
}

static const struct file_operations mymem_fops = {
	.owner = THIS_MODULE,
	.open = mymem_open,
	.release = mymem_release,
	.read = mymem_read,
	.write = mymem_write,
	.llseek = mymem_llseek,
};

/* rw-rw-rw-: any user may use the device. */
static char *mymem_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return NULL;
}

static int __init mymem_init(void)
{
	int ret;

	if (!size || size > MAX_SIZE) {
		pr_err("mymem_cdev: size=%lu out of range, must be 1..%lu\n",
		       size, MAX_SIZE);
		return -EINVAL;
	}
	buffer = vzalloc(size);
	if (!buffer)
		return -ENOMEM;
	ret = alloc_chrdev_region(&devno, 0, 1, DEVICE_NAME);
	if (ret)
		goto free_buffer;
	cdev_init(&mymem_cdev, &mymem_fops);
	mymem_cdev.owner = THIS_MODULE;
	ret = cdev_add(&mymem_cdev, devno, 1);
	if (ret)
		goto unregister;
	mymem_class = class_create(CLASS_NAME);
	if (IS_ERR(mymem_class)) {
		ret = PTR_ERR(mymem_class);
		goto del_cdev;
	}
	mymem_class->devnode = mymem_devnode;
	mymem_device = device_create(mymem_class, NULL, devno, NULL, DEVICE_NAME);
	if (IS_ERR(mymem_device)) {
		ret = PTR_ERR(mymem_device);
		goto destroy_class;
	}
	pr_info("mymem_cdev: loaded, /dev/%s, size %lu bytes\n", DEVICE_NAME, size);
	return 0;

destroy_class:
	class_destroy(mymem_class);
del_cdev:
	cdev_del(&mymem_cdev);
unregister:
	unregister_chrdev_region(devno, 1);
free_buffer:
	vfree(buffer);
	return ret;
}

static void __exit mymem_exit(void)
{
	device_destroy(mymem_class, devno);
	class_destroy(mymem_class);
	cdev_del(&mymem_cdev);
	unregister_chrdev_region(devno, 1);
	vfree(buffer);
	pr_info("mymem_cdev: unloaded\n");
}

module_init(mymem_init);
module_exit(mymem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Memory-backed character device: read, write, llseek");
