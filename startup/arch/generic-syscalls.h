/*
 * The generic syscall table (Linux include/uapi/asm-generic/unistd.h), for the arch.h of the
 * architectures that use it: aarch64, riscv, loongarch, hexagon and arc. On a 32-bit ABI number 62
 * is llseek, which returns the offset through a pointer, and there is no lseek; 222 is mmap2,
 * whose offset is in 4096-byte units: the loader maps only at offset 0, where it means mmap's.
 */
#define PK_SYS_OPENAT 56
#define PK_SYS_CLOSE 57
#if __SIZEOF_POINTER__ == 8
#define PK_SYS_LSEEK 62
#else
#define PK_SYS_LLSEEK 62
#endif
#define PK_SYS_WRITE 64
#define PK_SYS_EXIT_GROUP 94
#define PK_SYS_MUNMAP 215
#define PK_SYS_MMAP 222
#define PK_SYS_MPROTECT 226
#define PK_SYS_GETRANDOM 278
