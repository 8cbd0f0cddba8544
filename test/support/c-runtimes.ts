import { execa } from 'execa';

const MUSL = '/usr/lib/x86_64-linux-musl';

/** A C program whose startup needs relocated pointers (a string table) and libc's allocator and stdio. */
export const PROGRAM = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char *names[] = { "alpha", "beta", "gamma" };
int main(int argc, char **argv) {
  char *copy = malloc(64);
  strcpy(copy, names[argc % 3]);
  printf("%s %d\\n", copy, argc);
  return 0;
}
`;

/**
 * A musl static-PIE of `source` (Debian 12's musl 1.2.3). Debian's musl-gcc specs do not handle
 * -static-pie, so rcrt1.o is linked by hand, as musl's own wrapper would link it. `flags` go to the
 * link (e.g. -Wl,-z,pack-relative-relocs).
 */
export async function linkMuslStaticPie(source: string, output: string, flags: readonly string[] = []): Promise<string> {
  const object = `${output}.o`;
  await execa('musl-gcc', ['-O2', '-fPIE', '-c', source, '-o', object]);
  return linkMuslObject(object, output, flags);
}

/** An object (PIC) linked as a musl static-PIE: rcrt1.o's startup relocates it. */
export async function linkMuslObject(object: string, output: string, flags: readonly string[] = []): Promise<string> {
  const libgcc = (await execa('gcc', ['-print-libgcc-file-name'])).stdout;
  await execa('gcc', [
    '-static-pie',
    '-nostdlib',
    ...flags,
    '-o',
    output,
    `${MUSL}/rcrt1.o`,
    `${MUSL}/crti.o`,
    object,
    `-L${MUSL}`,
    '-lc',
    libgcc,
    `${MUSL}/crtn.o`,
  ]);
  return output;
}
