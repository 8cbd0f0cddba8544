/**
 * Where each runtime's own relocator is known to be done, recognised by its symbols. The stop is
 * the first function the runtime calls after relocating: everything before it must not need a
 * relocated word, and nothing in between writes a word the plan relocates.
 */
export interface RuntimeStop {
  readonly runtime: 'glibc' | 'musl' | 'piekit';
  /** A file with any of these symbols carries this runtime's relocator. */
  readonly relocator: readonly string[];
  /** The stop: the first of these the file has. */
  readonly stopAt: readonly string[];
  /** Where the sources say so. */
  readonly why: string;
}

export const RUNTIME_STOPS: readonly RuntimeStop[] = [
  {
    runtime: 'glibc',
    relocator: ['_dl_relocate_static_pie'],
    stopAt: ['__libc_setup_tls'],
    why:
      'glibc 2.36 csu/libc-start.c: __libc_start_main calls _dl_relocate_static_pie(), then ARCH_SETUP_IREL() ' +
      '(apply_irel, inlined: IRELATIVE resolvers through pointers), then ARCH_SETUP_TLS(), which is ' +
      '__libc_setup_tls() (x86 through the inline x86_setup_tls; Power runs apply_irel after it). It is ' +
      'the first function called by name after the relocation, and __libc_start_main is its only caller',
  },
  {
    runtime: 'musl',
    relocator: ['_dlstart_c', '_start_c'],
    stopAt: ['__dls2', '__libc_start_main'],
    why:
      'musl 1.2.3 ldso/dlstart.c, built into rcrt1.o as _start_c (crt/rcrt1.c): it applies the REL and RELA ' +
      'tables inline, then calls __dls2 through a pointer, and __dls2 calls __libc_start_main',
  },
  {
    runtime: 'piekit',
    relocator: ['pk_start_c'],
    stopAt: ['piekit_after_relocation'],
    why: "piekit's startup/start.c: pk_start_c inlines pk_relocate and then calls piekit_after_relocation",
  },
];
