/* The ELF header and program headers as the target lays them out; the stub has no <elf.h>. */
#ifndef PIEKIT_PHDR_H
#define PIEKIT_PHDR_H

#include <stdint.h>

#define PK_PT_LOAD 1
#define PK_PT_DYNAMIC 2
#define PK_PT_INTERP 3
#define PK_PT_PHDR 6
#define PK_PF_X 1
#define PK_PF_W 2
#define PK_PF_R 4

/* Elf32_Ehdr or Elf64_Ehdr: the addresses and offsets are words, nothing else changes size. */
struct pk_ehdr {
	unsigned char e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uintptr_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

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
