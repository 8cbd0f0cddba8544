/**
 * GDB's own signal numbers, which stop replies carry whatever the target's numbering (GDB's
 * include/gdb/signals.def): qemu translates the guest's signal into them.
 */
const GDB_SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGEMT',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGBUS',
  11: 'SIGSEGV',
  12: 'SIGSYS',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/** The name of a signal number in a stop reply. */
export function gdbSignalName(signal: number): string | undefined {
  return GDB_SIGNALS[signal];
}

/**
 * The name of a Linux signal number from a core file, for the numbers every Linux architecture
 * shares; the others (SIGBUS is 7 on most, 10 on MIPS and SPARC) stay numbers.
 */
export function linuxSignalName(signal: number): string | undefined {
  return [4, 5, 6, 8, 9, 11].includes(signal) ? GDB_SIGNALS[signal] : undefined;
}

export const GDB_SIGTRAP = 5;
