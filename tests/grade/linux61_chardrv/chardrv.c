// SPDX-License-Identifier: GPL-2.0
/*
 * A character device as course code for Linux 6.1 writes it (lab grade self-test): a cdev with
 * a class, alloc_chrdev_region + cdev_add + device_create, class_create(THIS_MODULE, name) and
 * a devnode(struct device *, umode_t *) callback that makes the node 0666. On 7.3 it does not
 * build: class_create() takes only the name since 6.4, devnode a const device since 6.2.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define BUF_SIZE (512 * 1024)

static dev_t dev_num;
static struct cdev chardrv_cdev;
static struct class *chardrv_class;
static char *buffer;

static ssize_t chardrv_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	size_t n;

	pr_info("Driver: read()\n");
	if (*off >= BUF_SIZE)
		return 0;
	n = min_t(size_t, len, BUF_SIZE - *off);
	if (copy_to_user(ubuf, buffer + *off, n))
		return -EFAULT;
	*off += n;
	return n;
}

static ssize_t chardrv_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	size_t n;

	pr_info("Driver: write()\n");
	if (*off >= BUF_SIZE)
		return -ENOSPC;
	n = min_t(size_t, len, BUF_SIZE - *off);
	if (copy_from_user(buffer + *off, ubuf, n))
		return -EFAULT;
	*off += n;
	return n;
}

static const struct file_operations chardrv_fops = {
	.owner = THIS_MODULE,
	.read = chardrv_read,
	.write = chardrv_write,
	.llseek = default_llseek,
};

static char *chardrv_devnode(struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return NULL;
}

static int __init chardrv_init(void)
{
	int ret;

	buffer = kzalloc(BUF_SIZE, GFP_KERNEL);
	if (!buffer)
		return -ENOMEM;
	ret = alloc_chrdev_region(&dev_num, 0, 1, "chardrv");
	if (ret)
		goto free_buf;
	cdev_init(&chardrv_cdev, &chardrv_fops);
	ret = cdev_add(&chardrv_cdev, dev_num, 1);
	if (ret)
		goto unregister;
	chardrv_class = class_create(THIS_MODULE, "chardrv");
	if (IS_ERR(chardrv_class)) {
		ret = PTR_ERR(chardrv_class);
		goto del_cdev;
	}
	chardrv_class->devnode = chardrv_devnode;
	device_create(chardrv_class, NULL, dev_num, NULL, "chardrv");
	return 0;

del_cdev:
	cdev_del(&chardrv_cdev);
unregister:
	unregister_chrdev_region(dev_num, 1);
free_buf:
	kfree(buffer);
	return ret;
}

static void __exit chardrv_exit(void)
{
	device_destroy(chardrv_class, dev_num);
	class_destroy(chardrv_class);
	cdev_del(&chardrv_cdev);
	unregister_chrdev_region(dev_num, 1);
	kfree(buffer);
}

module_init(chardrv_init);
module_exit(chardrv_exit);
MODULE_LICENSE("GPL");
