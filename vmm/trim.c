/*
 * trim.c - see trim.h.
 */
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trim.h"

/* The executable is the first object dl_iterate_phdr reports. */
static int drop_readonly(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;
	unsigned long *kib = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		if (!madvise((void *)start, end - start, MADV_DONTNEED))
			*kib += (end - start) / 1024;
	}
	return 1;
}

unsigned long trim_startup(void)
{
	unsigned long kib = 0;

	dl_iterate_phdr(drop_readonly, &kib);
	malloc_trim(0);
	return kib;
}
