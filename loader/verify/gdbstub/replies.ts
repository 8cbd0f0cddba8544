/**
 * What a GDB stub's replies mean: stop replies, target descriptions and the program counter
 * they locate, GDB's signal numbers; and the error of a run under the stub: the emulator that
 * serves it, the connection or the protocol.
 */

export type GdbRemoteErrorCode =
  /** The emulator could not be started (an emulator that is not installed is a PiekitError ENVIRONMENT). */
  | 'SPAWN_FAILED'
  /** The emulator ended before its stub accepted a connection. */
  | 'QEMU_EXITED'
  /** No connection, acknowledgement or reply within the time allowed. The connection is closed afterwards. */
  | 'TIMEOUT'
  /** The connection ended (or was closed) while the call was pending, or before it was made. */
  | 'CLOSED'
  /** The stub broke the protocol: a reply that cannot be parsed, repeated bad checksums. */
  | 'PROTOCOL'
  /** The stub answered `Exx` to a command. */
  | 'ERROR_REPLY'
  /** The stub answered `Exx` to a memory read; `address` names the first byte of the failed read. */
  | 'MEMORY'
  /** The stub answered with the empty packet: it does not know the command. */
  | 'UNSUPPORTED'
  /** A packet to send is larger than the stub's PacketSize. */
  | 'PACKET_TOO_LARGE'
  /** Something the client needs was not given: a byte order, a program counter location. */
  | 'NOT_CONFIGURED';

export class GdbRemoteError extends Error {
  override readonly name = 'GdbRemoteError';
  readonly code: GdbRemoteErrorCode;
  readonly address: bigint | undefined;

  constructor(code: GdbRemoteErrorCode, message: string, address?: bigint) {
    super(message);
    this.code = code;
    this.address = address;
  }
}

/** Where a register is found, by `p` or in the reply to `g`. */
export interface RegisterLocation {
  /** The register number for `p`. */
  readonly regnum: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Its byte offset in the reply to `g`. */
  readonly offset: number;
}

export type StopReply =
  | {
      readonly kind: 'signal';
      /** GDB's signal number (5 is SIGTRAP, 11 SIGSEGV). */
      readonly signal: number;
      readonly thread: string | undefined;
      /** Register values carried by a `T` packet, by register number, in target byte order. */
      readonly registers: ReadonlyMap<number, Uint8Array>;
      /** The other `name:value` pairs of a `T` packet. */
      readonly info: ReadonlyMap<string, string>;
    }
  | { readonly kind: 'exited'; readonly status: number; readonly pid: number | undefined }
  | { readonly kind: 'terminated'; readonly signal: number; readonly pid: number | undefined };

export interface TargetRegister {
  readonly name: string;
  readonly regnum: number;
  readonly bitsize: number;
  readonly type: string | undefined;
}

export interface TargetDescription {
  readonly architecture: string | undefined;
  /** Every register of the description, sub-documents included, in document order. */
  readonly registers: readonly TargetRegister[];
  /** Included documents the stub would not send: register numbers after them are unknown. */
  readonly missing: readonly string[];
}

/** Parses `W`, `X`, `S` and `T` stop replies. */
export function parseStopReply(text: string): StopReply {
  const kind = text[0];
  if (kind === 'W' || kind === 'X') {
    const [head = '', ...rest] = text.slice(1).split(';');
    const value = parseHexNumber(head, text);
    const process = rest.find((part) => part.startsWith('process:'));
    const pid = process === undefined ? undefined : parseHexNumber(process.slice('process:'.length), text);
    return kind === 'W' ? { kind: 'exited', status: value, pid } : { kind: 'terminated', signal: value, pid };
  }
  if (kind === 'S' || kind === 'T') {
    const signal = parseHexNumber(text.slice(1, 3), text);
    const registers = new Map<number, Uint8Array>();
    const info = new Map<string, string>();
    if (kind === 'T') {
      for (const pair of text.slice(3).split(';')) {
        if (pair === '') continue;
        const colon = pair.indexOf(':');
        const name = colon < 0 ? pair : pair.slice(0, colon);
        const value = colon < 0 ? '' : pair.slice(colon + 1);
        // A pair whose name is hex digits is a register (`n:r`); others are keywords such as thread.
        if (/^[0-9a-fA-F]+$/.test(name) && /^[0-9a-fA-F]*$/.test(value)) registers.set(parseInt(name, 16), hexBytes(value));
        else info.set(name, value);
      }
    }
    return { kind: 'signal', signal, thread: info.get('thread'), registers, info };
  }
  throw new GdbRemoteError('PROTOCOL', `not a stop reply: ${JSON.stringify(text.slice(0, 80))}`);
}

/** Reads a target description (`target.xml` and the documents it includes). */
export function parseTargetDescription(documents: ReadonlyMap<string, string>, root = 'target.xml'): TargetDescription {
  const registers: TargetRegister[] = [];
  const missing: string[] = [];
  let architecture: string | undefined;
  let next = 0;
  const visit = (name: string, depth: number): void => {
    const text = documents.get(name);
    if (text === undefined || depth > 8) {
      missing.push(name);
      return;
    }
    const body = text.replace(/<!--[\s\S]*?-->/g, '');
    architecture ??= /<architecture>\s*([^<]*?)\s*<\/architecture>/.exec(body)?.[1];
    for (const match of body.matchAll(/<(xi:include|reg)\b([^>]*?)\/?>/g)) {
      const attributes = parseAttributes(match[2] ?? '');
      if (match[1] === 'xi:include') {
        const href = attributes.get('href');
        if (href !== undefined) visit(href, depth + 1);
        continue;
      }
      // Registers are numbered in document order, includes expanded in place; `regnum` restarts
      // the count (GDB manual, "Target Description Format", Registers).
      const regnum = attributes.has('regnum') ? Number(attributes.get('regnum')) : next;
      next = regnum + 1;
      registers.push({
        name: attributes.get('name') ?? '',
        regnum,
        bitsize: Number(attributes.get('bitsize') ?? '0'),
        type: attributes.get('type'),
      });
    }
  };
  visit(root, 0);
  return { architecture, registers, missing };
}

const PC_NAMES = ['pc', 'rip', 'eip', 'pswa'];

/** The register a description marks as the program counter, with its offset in a `g` reply. */
export function findProgramCounter(description: TargetDescription): RegisterLocation | undefined {
  const { registers } = description;
  if (description.missing.length > 0) return undefined;
  const named = PC_NAMES.map((name) => registers.find((r) => r.name === name)).find((r) => r !== undefined);
  const codePointers = registers.filter((r) => r.type === 'code_ptr' && /pc|ip/.test(r.name));
  const pc = named ?? (codePointers.length === 1 ? codePointers[0] : undefined);
  if (pc === undefined || pc.bitsize % 8 !== 0) return undefined;
  // `g` holds the registers in number order, so the pc follows every lower-numbered one.
  const offset = registers.filter((r) => r.regnum < pc.regnum).reduce((sum, r) => sum + r.bitsize / 8, 0);
  return { regnum: pc.regnum, size: pc.bitsize / 8, offset };
}

export function hexBytes(text: string): Buffer {
  // Buffer.from stops at the first character that is not a hex pair; a short result means one.
  const bytes = Buffer.from(text, 'hex');
  if (bytes.length * 2 !== text.length) {
    throw new GdbRemoteError('PROTOCOL', `expected hexadecimal bytes: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return bytes;
}

function parseHexNumber(text: string, context: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(text)) throw new GdbRemoteError('PROTOCOL', `bad number in ${JSON.stringify(context)}`);
  return parseInt(text, 16);
}

export function parseHexBigInt(text: string, context: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) throw new GdbRemoteError('PROTOCOL', `bad address in ${JSON.stringify(context)}`);
  return BigInt(`0x${text}`);
}

export function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1] as string, match[2] ?? match[3] ?? '');
  }
  return attributes;
}

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

/** GDB's SIGTRAP: a breakpoint, or a trap written into the code. */
export const GDB_SIGTRAP = 5;
