/*
 * elf.c - is the exec file something that can run in an empty jail?
 *
 * The jail holds no shared libraries and no dynamic loader, so the binary
 * must be a static x86-64 ELF executable: ET_EXEC, or ET_DYN for static-pie,
 * with no PT_INTERP program header (which names the loader a dynamically
 * linked program needs). The file is treated as hostile input: every offset
 * and count is checked against the file size before it is used.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jailer.h"

/* More program headers than any real executable has; bounds the read. */
#define ELF_MAX_PHNUM 128

static int read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int check_ehdr(const Elf64_Ehdr *h, uint64_t size, const char *name, struct errbuf *e)
{
	uint64_t phsize, end;

	if (memcmp(h->e_ident, ELFMAG, SELFMAG))
		return errf(e, -ENOEXEC, "--exec-file %s: not an ELF file", name);
	if (h->e_ident[EI_CLASS] != ELFCLASS64 || h->e_ident[EI_DATA] != ELFDATA2LSB ||
	    h->e_machine != EM_X86_64)
		return errf(e, -ENOEXEC, "--exec-file %s: not an x86-64 ELF executable", name);
	if (h->e_type != ET_EXEC && h->e_type != ET_DYN)
		return errf(e, -ENOEXEC, "--exec-file %s: an ELF file, but not an executable",
			    name);
	if (h->e_phentsize != sizeof(Elf64_Phdr) || !h->e_phnum || h->e_phnum > ELF_MAX_PHNUM)
		return errf(e, -ENOEXEC, "--exec-file %s: malformed ELF program header table",
			    name);
	phsize = (uint64_t)h->e_phnum * sizeof(Elf64_Phdr);
	if (__builtin_add_overflow(h->e_phoff, phsize, &end) || end > size)
		return errf(e, -ENOEXEC, "--exec-file %s: ELF program headers beyond the file end",
			    name);
	return 0;
}

int jail_elf_check_static(int fd, const char *name, struct errbuf *e)
{
	Elf64_Phdr ph[ELF_MAX_PHNUM];
	Elf64_Ehdr h;
	struct stat st;
	bool load = false;
	unsigned int i;
	int ret;

	if (fstat(fd, &st))
		return errf(e, -errno, "--exec-file %s: %s", name, strerror(errno));
	if ((uint64_t)st.st_size < sizeof(h))
		return errf(e, -ENOEXEC, "--exec-file %s: too short to be an executable", name);
	ret = read_exact(fd, &h, sizeof(h), 0);
	if (ret)
		return errf(e, ret, "--exec-file %s: cannot read the ELF header", name);
	ret = check_ehdr(&h, (uint64_t)st.st_size, name, e);
	if (ret)
		return ret;
	ret = read_exact(fd, ph, h.e_phnum * sizeof(Elf64_Phdr), (off_t)h.e_phoff);
	if (ret)
		return errf(e, ret, "--exec-file %s: cannot read the ELF program headers", name);
	for (i = 0; i < h.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return errf(e, -ENOEXEC,
				    "--exec-file %s: dynamically linked (it needs a program "
				    "interpreter); the jail holds no libraries, use a static build",
				    name);
		load |= ph[i].p_type == PT_LOAD;
	}
	if (!load)
		return errf(e, -ENOEXEC, "--exec-file %s: no loadable segment", name);
	return 0;
}
