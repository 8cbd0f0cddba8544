#include "linux.h"
#include "read-file.h"
#include "report.h"
#include "status.h"

#define PK_AT_FDCWD (-100)
#define PK_SEEK_END 2
#define PK_EFBIG 27

void loader_read_file(const char *path, struct loader_file *file)
{
	long fd = pk_syscall6(PK_SYS_OPENAT, PK_AT_FDCWD, (long)path, 0, 0, 0, 0);
	if (loader_syscall_failed(fd))
		LOADER_FAIL(LOADER_CANNOT_READ, path, ": cannot be opened");
#ifdef PK_SYS_LLSEEK
	/* 32-bit ABIs of the generic syscall table have no lseek, only _llseek, which returns the
	 * 64-bit offset through a pointer. */
	uint64_t end = 0;
	long size = pk_syscall6(PK_SYS_LLSEEK, fd, 0, 0, (long)&end, PK_SEEK_END, 0);
	if (size == 0)
		size = end > (uint64_t)(UINTPTR_MAX >> 1) ? -PK_EFBIG : (long)end;
#else
	long size = pk_syscall3(PK_SYS_LSEEK, fd, 0, PK_SEEK_END);
#endif
	if (loader_syscall_failed(size) || size == 0)
		LOADER_FAIL(LOADER_CANNOT_READ, path, ": cannot be read (empty, or not a regular file)");
	long bytes = pk_syscall6(PK_SYS_MMAP, 0, size, PK_PROT_READ, PK_MAP_PRIVATE, fd, 0);
	if (loader_syscall_failed(bytes))
		LOADER_FAIL(LOADER_CANNOT_READ, path, ": cannot be mapped");
	pk_syscall1(PK_SYS_CLOSE, fd);
	file->bytes = (const unsigned char *)bytes;
	file->size = (uintptr_t)size;
}
