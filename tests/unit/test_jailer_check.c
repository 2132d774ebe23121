/*
 * Unit tests for ember-jailer's checks and its undo: the static-ELF check
 * (jailer/elf.c), validation against the file system (jailer/check.c), the
 * jail directory (jailer/fs.c) and the cgroup helpers (jailer/cgroup.c),
 * each in a scratch directory. Creating device nodes needs root; that test
 * is skipped otherwise.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "jailer.h"

struct fixture {
	char dir[64];	/* scratch directory */
	char base[128]; /* <dir>/base: the chroot base */
	char exec[128]; /* <dir>/ember: a minimal static ELF */
	struct jail j;
};

/* expect - @ret is @code and the errbuf holds @needle. */
#define expect(ret, code, e, needle)                                                               \
	do {                                                                                       \
		assert_int_equal((ret), (code));                                                   \
		if (!strstr((e)->msg, (needle)))                                                   \
			fail_msg("message \"%s\" lacks \"%s\"", (e)->msg, (needle));               \
	} while (0)

static void write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* elf_image - an ELF header and @nph program headers of @types; 4 KiB. */
static size_t elf_image(unsigned char *buf, const uint32_t *types, unsigned int nph)
{
	Elf64_Ehdr *h = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*h));
	unsigned int i;

	memset(buf, 0, 4096);
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_type = ET_EXEC;
	h->e_machine = EM_X86_64;
	h->e_version = EV_CURRENT;
	h->e_phoff = sizeof(*h);
	h->e_ehsize = sizeof(*h);
	h->e_phentsize = sizeof(*ph);
	h->e_phnum = (Elf64_Half)nph;
	for (i = 0; i < nph; i++)
		ph[i].p_type = types[i];
	return 4096;
}

static void write_static_elf(const char *path)
{
	static const uint32_t t[] = {PT_LOAD, PT_NOTE};
	unsigned char buf[4096];

	write_file(path, buf, elf_image(buf, t, 2), 0755);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/jailer-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->base, sizeof(f->base), "%s/base", f->dir);
	assert_int_equal(mkdir(f->base, 0755), 0);
	snprintf(f->exec, sizeof(f->exec), "%s/ember", f->dir);
	write_static_elf(f->exec);
	jail_init(&f->j);
	f->j.opts.id = "vm1";
	f->j.opts.exec_file = f->exec;
	snprintf(f->j.opts.exec_name, sizeof(f->j.opts.exec_name), "ember");
	f->j.opts.base_dir = f->base;
	f->j.opts.uid = 4321;
	f->j.opts.gid = 8765;
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	jail_close(&f->j);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* path - <fixture dir>/<rel> in a static buffer of the test's. */
static const char *path(struct fixture *f, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, rel);
	return buf;
}

/* count - @dir itself plus everything below it, to prove nothing is left over. */
static int count(const char *dir)
{
	struct dirent *de;
	char sub[PATH_MAX];
	struct stat st;
	int n = 1;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
			n += count(sub);
		else
			n++;
	}
	closedir(d);
	return n;
}

static int elf_check_file(struct fixture *f, const void *buf, size_t len, struct errbuf *e)
{
	char p[512];
	int fd, ret;

	write_file(path(f, "x.elf", p, sizeof(p)), buf, len, 0644);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	ret = jail_elf_check_static(fd, "x", e);
	close(fd);
	return ret;
}

static void elf_checks(void **state)
{
	static const uint32_t load[] = {PT_LOAD}, interp[] = {PT_LOAD, PT_INTERP, PT_DYNAMIC},
			      note[] = {PT_NOTE};
	struct fixture *f = *state;
	unsigned char buf[4096];
	Elf64_Ehdr *h = (Elf64_Ehdr *)buf;
	struct errbuf e = {""};

	elf_image(buf, load, 1);
	assert_int_equal(elf_check_file(f, buf, sizeof(buf), &e), 0);
	h->e_type = ET_DYN; /* static-pie */
	assert_int_equal(elf_check_file(f, buf, sizeof(buf), &e), 0);
	elf_image(buf, interp, 3);
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "dynamically linked");
	elf_image(buf, note, 1);
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "no loadable segment");
	expect(elf_check_file(f, "#!/bin/sh\n", 10, &e), -ENOEXEC, &e, "too short");
	memset(buf, 'x', 128);
	expect(elf_check_file(f, buf, 128, &e), -ENOEXEC, &e, "not an ELF file");
	elf_image(buf, load, 1);
	h->e_ident[EI_CLASS] = ELFCLASS32;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "not an x86-64");
	elf_image(buf, load, 1);
	h->e_ident[EI_DATA] = ELFDATA2MSB;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "not an x86-64");
	elf_image(buf, load, 1);
	h->e_machine = EM_AARCH64;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "not an x86-64");
	elf_image(buf, load, 1);
	h->e_type = ET_REL;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "not an executable");
	elf_image(buf, load, 1);
	h->e_phentsize = 32;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "malformed ELF program");
	elf_image(buf, load, 1);
	h->e_phnum = 0;
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "malformed ELF program");
	h->e_phnum = 0xffff; /* PN_XNUM */
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "malformed ELF program");
	elf_image(buf, load, 1);
	h->e_phoff = 4096 - 55; /* one byte short */
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "beyond the file end");
	h->e_phoff = UINT64_MAX - 8; /* offset + size wraps around */
	expect(elf_check_file(f, buf, sizeof(buf), &e), -ENOEXEC, &e, "beyond the file end");
	elf_image(buf, load, 1);
	h->e_phnum = 100; /* table runs past the file */
	expect(elf_check_file(f, buf, 64 + 56 * 50, &e), -ENOEXEC, &e, "beyond the file end");
}

static void base_checks(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char p[512];

	f->j.opts.base_dir = f->exec;
	expect(jail_check_base(&f->j, &e), -ENOTDIR, &e, "Not a directory");
	assert_int_equal(chmod(f->base, 0777), 0);
	f->j.opts.base_dir = f->base;
	expect(jail_check_base(&f->j, &e), -EPERM, &e, "writable by root only");
	assert_int_equal(chmod(f->base, 0775), 0);
	expect(jail_check_base(&f->j, &e), -EPERM, &e, "writable by root only");
	assert_int_equal(chmod(f->base, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(f->base, 1, 0), 0);
		expect(jail_check_base(&f->j, &e), -EPERM, &e, "owned by root");
		assert_int_equal(chown(f->base, 0, 0), 0);
		/* trailing slashes do not end up in the jail path */
		snprintf(p, sizeof(p), "%s//", f->base);
		f->j.opts.base_dir = p;
		assert_int_equal(jail_check_base(&f->j, &e), 0);
		assert_true(f->j.fs.base_fd >= 0);
		snprintf(p, sizeof(p), "%s/ember/vm1/root", f->base);
		assert_string_equal(f->j.fs.root_path, p);
		snprintf(p, sizeof(p), "%s/ember/vm1", f->base);
		assert_string_equal(f->j.fs.jail_dir, p);
	}
}

static void exec_file_checks(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char p[512];

	f->j.opts.exec_file = path(f, "missing", p, sizeof(p));
	expect(jail_check_exec_file(&f->j, &e), -ENOENT, &e, "no such file");
	f->j.opts.exec_file = f->base;
	expect(jail_check_exec_file(&f->j, &e), -EINVAL, &e, "not a regular file");
	f->j.opts.exec_file = "/proc/self/exe"; /* this test: ASan, dynamically linked */
	expect(jail_check_exec_file(&f->j, &e), -ENOEXEC, &e, "dynamically linked");
	assert_int_equal(f->j.fs.exec_fd, -1);
	f->j.opts.exec_file = f->exec;
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_true(f->j.fs.exec_fd >= 0);
}

/* base_ok - the base check passes (needs root: the base must be root's). */
static bool base_ok(struct fixture *f)
{
	struct errbuf e = {""};

	if (geteuid() != 0)
		return false;
	assert_int_equal(jail_check_base(&f->j, &e), 0);
	return true;
}

static void taken_checks(void **state)
{
	static const char *const names[] = {"ember", "ember.pid", "dev", "run"};
	struct fixture *f = *state;
	struct errbuf e = {""};
	char p[512], q[1024];
	size_t i;

	if (!base_ok(f))
		skip();
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	/* <base>/ember is a file, or a symlink */
	write_file(path(f, "base/ember", p, sizeof(p)), "x", 1, 0644);
	expect(jail_check_taken(&f->j, &e), -ENOTDIR, &e, "is not a directory");
	unlink(p);
	assert_int_equal(symlink(f->dir, p), 0);
	expect(jail_check_taken(&f->j, &e), -ENOTDIR, &e, "is not a directory");
	unlink(p);
	/* a prepared root with the VM's files in it is fine */
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1", p, sizeof(p)), 0755), 0);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	assert_int_equal(symlink("/", path(f, "base/ember/vm1/root", p, sizeof(p))), 0);
	expect(jail_check_taken(&f->j, &e), -ENOTDIR, &e, "is not a directory");
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0);
	write_file(path(f, "base/ember/vm1/root/vmlinux", q, sizeof(q)), "k", 1, 0644);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	/* prepared directories are root's alone */
	assert_int_equal(chmod(p, 0777), 0);
	expect(jail_check_taken(&f->j, &e), -EPERM, &e, "writable by root only");
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(chown(path(f, "base/ember/vm1", q, sizeof(q)), 10123, 0), 0);
	expect(jail_check_taken(&f->j, &e), -EPERM, &e, "owned by root");
	assert_int_equal(chown(q, 0, 0), 0);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	/* a /run directory prepared by the caller (Kata does) is fine */
	assert_int_equal(mkdir(path(f, "base/ember/vm1/root/run", q, sizeof(q)), 0755), 0);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	assert_int_equal(rmdir(q), 0);
	/* anything the jailer creates means the jail was set up before */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(q, sizeof(q), "%s/%s", p, names[i]);
		assert_int_equal(symlink("/nowhere", q), 0);
		expect(jail_check_taken(&f->j, &e), -EEXIST, &e, "already exists");
		assert_non_null(strstr(e.msg, names[i]));
		unlink(q);
	}
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
}

static void netns_checks(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};

	assert_int_equal(jail_check_netns(&f->j, &e), 0);
	assert_int_equal(f->j.netns_fd, -1);
	f->j.opts.netns = "/nonexistent/netns";
	expect(jail_check_netns(&f->j, &e), -ENOENT, &e, "no such file");
	f->j.opts.netns = f->exec;
	expect(jail_check_netns(&f->j, &e), -EINVAL, &e, "not a namespace file");
	f->j.opts.netns = "/proc/self/ns/uts";
	expect(jail_check_netns(&f->j, &e), -EINVAL, &e, "not a network namespace");
	assert_int_equal(f->j.netns_fd, -1);
	f->j.opts.netns = "/proc/self/ns/net";
	assert_int_equal(jail_check_netns(&f->j, &e), 0);
	assert_true(f->j.netns_fd >= 0);
}

static void create_and_undo(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	unsigned char a[4096], b[4096];
	struct stat st;
	char p[512];
	int fd;

	if (!base_ok(f))
		skip();
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_int_equal(jail_fs_create(&f->j, &e), 0);
	assert_int_equal(stat(path(f, "base/ember/vm1/root/ember", p, sizeof(p)), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_nlink, 1);
	fd = open(p, O_RDONLY);
	assert_int_equal(read(fd, a, sizeof(a)), sizeof(a));
	close(fd);
	fd = open(f->exec, O_RDONLY);
	assert_int_equal(read(fd, b, sizeof(b)), sizeof(b));
	close(fd);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(jail_fs_pidfile(&f->j, 4242, &e), 0);
	fd = open(path(f, "base/ember/vm1/root/ember.pid", p, sizeof(p)), O_RDONLY);
	assert_int_equal(read(fd, a, sizeof(a)), 5);
	close(fd);
	assert_memory_equal(a, "4242\n", 5);
	expect(jail_fs_pidfile(&f->j, 1, &e), -EEXIST, &e, "pid file");
	jail_fs_undo(&f->j);
	assert_int_equal(count(f->base), 1); /* the base itself, nothing else */
}

/* A root prepared by the caller keeps its files; a planted target is refused. */
static void prepared_root(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char p[512];
	int n;

	if (!base_ok(f))
		skip();
	assert_int_equal(mkdir(path(f, "base/ember", p, sizeof(p)), 0755), 0);
	assert_int_equal(mkdir(path(f, "base/ember/other-vm", p, sizeof(p)), 0755), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1", p, sizeof(p)), 0755), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1/root", p, sizeof(p)), 0755), 0);
	write_file(path(f, "base/ember/vm1/root/vm.json", p, sizeof(p)), "{}", 2, 0644);
	n = count(f->base);
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	/* planted between the check and the copy: a hard link to a host file */
	assert_int_equal(link(f->exec, path(f, "base/ember/vm1/root/ember", p, sizeof(p))), 0);
	expect(jail_fs_create(&f->j, &e), -EEXIST, &e, "refusing to write through");
	jail_fs_undo(&f->j);
	assert_int_equal(count(f->base), n + 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(jail_fs_create(&f->j, &e), 0);
	jail_fs_undo(&f->j);
	assert_int_equal(count(f->base), n);
	assert_int_equal(access(path(f, "base/ember/vm1/root/vm.json", p, sizeof(p)), F_OK), 0);
}

static void check_node(struct fixture *f, const char *rel, unsigned int maj, unsigned int min)
{
	struct stat st;
	char p[512];

	assert_int_equal(lstat(path(f, rel, p, sizeof(p)), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(major(st.st_rdev), maj);
	assert_int_equal(minor(st.st_rdev), min);
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_gid, 8765);
}

static void devices(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	struct stat st;
	char p[512];

	if (!base_ok(f))
		skip();
	umask(0);
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_int_equal(jail_fs_create(&f->j, &e), 0);
	assert_int_equal(jail_fs_devices(&f->j, &e), 0);
	check_node(f, "base/ember/vm1/root/dev/kvm", 10, 232);
	check_node(f, "base/ember/vm1/root/dev/net/tun", 10, 200);
	assert_int_equal(count(path(f, "base/ember/vm1/root/dev", p, sizeof(p))), 4);
	assert_int_equal(stat(path(f, "base/ember/vm1/root/run", p, sizeof(p)), &st), 0);
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a second run into the same root fails */
	expect(jail_fs_devices(&f->j, &e), -EEXIST, &e, "mkdir /dev");
	jail_fs_undo(&f->j);
	assert_int_equal(count(f->base), 1);
	umask(022);
}

/*
 * A missing --chroot-base-dir is created (as Firecracker's jailer does)
 * below an ancestor that is root's alone; elsewhere it is refused before
 * anything is created.
 */
static void missing_base(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	struct stat st;
	char p[512], q[600];

	if (geteuid() != 0)
		skip();
	f->j.opts.base_dir = path(f, "base/run/vc", p, sizeof(p));
	assert_int_equal(jail_check_base(&f->j, &e), 0);
	assert_int_equal(f->j.fs.base_fd, -1);
	assert_true(f->j.fs.base_anc_fd >= 0);
	snprintf(q, sizeof(q), "%s/ember/vm1/root", p);
	assert_string_equal(f->j.fs.root_path, q);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	assert_int_equal(access(p, F_OK), -1); /* nothing made while checking */
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_int_equal(jail_fs_create(&f->j, &e), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(stat(path(f, "base/run/vc/ember/vm1/root/ember", q, sizeof(q)), &st), 0);
	/* undone: the jail; kept: the base, which other jails may share */
	jail_fs_undo(&f->j);
	assert_int_equal(access(q, F_OK), -1);
	assert_int_equal(count(p), 1);
	jail_fs_close(&f->j.fs);
	assert_int_equal(f->j.fs.base_anc_fd, -1);
	/* an ancestor others may write: someone could make the base first */
	assert_int_equal(chmod(f->base, 0777), 0);
	f->j.opts.base_dir = path(f, "base/a/b", p, sizeof(p));
	expect(jail_check_base(&f->j, &e), -EPERM, &e, "where it would be created");
	assert_int_equal(f->j.fs.base_anc_fd, -1);
	assert_int_equal(chmod(f->base, 0755), 0);
}

/*
 * Kata's jailed launch: the root and its run/ made beforehand; run/ is kept
 * and given to the jailed uid:gid.
 */
static void prepared_run(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	struct stat st;
	char p[512];

	if (!base_ok(f))
		skip();
	umask(0);
	assert_int_equal(mkdir(path(f, "base/ember", p, sizeof(p)), 0750), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1", p, sizeof(p)), 0750), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1/root", p, sizeof(p)), 0750), 0);
	assert_int_equal(mkdir(path(f, "base/ember/vm1/root/run", p, sizeof(p)), 0750), 0);
	assert_int_equal(jail_check_exec_file(&f->j, &e), 0);
	assert_int_equal(jail_check_taken(&f->j, &e), 0);
	assert_int_equal(jail_fs_create(&f->j, &e), 0);
	assert_int_equal(jail_fs_devices(&f->j, &e), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_gid, 8765);
	jail_fs_undo(&f->j);
	assert_int_equal(access(p, F_OK), 0); /* the caller's, not undone */
	umask(022);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(elf_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(base_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(exec_file_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(taken_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(netns_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(create_and_undo, setup, teardown),
	    cmocka_unit_test_setup_teardown(prepared_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_base, setup, teardown),
	    cmocka_unit_test_setup_teardown(prepared_run, setup, teardown),
	};

	return cmocka_run_group_tests_name("jailer_check", tests, NULL, NULL);
}
