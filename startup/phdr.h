/* Program headers as the target lays them out; the stub has no <elf.h>. */
#ifndef PIEKIT_PHDR_H
#define PIEKIT_PHDR_H

#include <stdint.h>

#define PK_PT_LOAD 1
#define PK_PT_DYNAMIC 2
#define PK_PF_W 2

#if UINTPTR_MAX > 0xffffffff
struct pk_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
#else
struct pk_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
#endif

#endif
