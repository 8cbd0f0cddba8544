/**
 * A client for the GDB remote serial protocol, enough to stop a program under a stub (qemu-user's
 * `-g`), read its memory and registers, and let it run on or kill it.
 *
 * Reference: the "Remote Protocol" appendix of the GDB manual. Packets are `$payload#cs`; replies
 * may be run-length encoded and binary ones escape `#$}*` with `}`.
 */
import net from 'node:net';

export type GdbRemoteErrorCode =
  /** No acknowledgement or reply within the time allowed. The connection is closed afterwards. */
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

export type ByteOrder = 'little' | 'big';

/** Where a register is found, by `p` or in the reply to `g`. */
export interface RegisterLocation {
  /** The register number for `p`. */
  readonly regnum: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Its byte offset in the reply to `g`. */
  readonly offset: number;
}

export interface GdbRemoteOptions {
  /** Default limit for every wait, in milliseconds (10 s when omitted). */
  readonly timeoutMs?: number;
  /** The target's byte order: register values arrive in it. Needed by readProgramCounter. */
  readonly byteOrder?: ByteOrder;
  /** Used when the stub has no target description (qemu 7.2's mips, sparc, loongarch64). */
  readonly pcFallback?: RegisterLocation;
}

export interface CallOptions {
  readonly timeoutMs?: number;
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

export interface TrafficStats {
  packetsSent: number;
  packetsReceived: number;
  /** Bytes of the largest packet sent or received, `$` to checksum included. */
  largestSent: number;
  largestReceived: number;
  badChecksums: number;
  retransmissions: number;
}

/** The checksum of a packet: the sum of its payload bytes (as sent, escapes included) modulo 256. */
export function packetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return sum;
}

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const STAR = 0x2a;
const PERCENT = 0x25;

/** `$payload#cs`, with `$`, `#`, `}` and `*` escaped so that any bytes travel intact. */
export function encodePacket(payload: string | Uint8Array): Buffer {
  if (typeof payload === 'string' && !/[$#}*]/.test(payload)) {
    // Commands are plain text: one string, one buffer.
    let sum = 0;
    for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
    return Buffer.from(`$${payload}#${sum.toString(16).padStart(2, '0')}`, 'latin1');
  }
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const escaped: number[] = [];
  for (const byte of data) {
    if (byte === DOLLAR || byte === HASH || byte === ESCAPE || byte === STAR) escaped.push(ESCAPE, byte ^ 0x20);
    else escaped.push(byte);
  }
  const body = Buffer.from(escaped);
  const checksum = packetChecksum(body).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$', 'latin1'), body, Buffer.from(`#${checksum}`, 'latin1')]);
}

/**
 * The data of a received packet: run-length encoding expanded first, then `}` escapes undone,
 * the order in which GDB reads them (`X*n` repeats the byte before `*` n-29 more times).
 */
export function decodePayload(raw: Buffer): Buffer {
  if (!raw.includes(STAR) && !raw.includes(ESCAPE)) return raw;
  const expanded: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (byte === STAR && expanded.length > 0 && i + 1 < raw.length) {
      const previous = expanded[expanded.length - 1] as number;
      const count = (raw[i + 1] as number) - 29;
      for (let k = 0; k < count; k++) expanded.push(previous);
      i++;
    } else {
      expanded.push(byte);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < expanded.length; i++) {
    const byte = expanded[i] as number;
    if (byte === ESCAPE && i + 1 < expanded.length) out.push((expanded[++i] as number) ^ 0x20);
    else out.push(byte);
  }
  return Buffer.from(out);
}

export type WireEvent =
  | { readonly type: 'ack' }
  | { readonly type: 'nak' }
  | {
      readonly type: 'packet';
      /** The payload as received, between `$` (or `%`) and `#`: still escaped and run-length encoded. */
      readonly raw: Buffer;
      /** The two checksum characters as received. */
      readonly checksum: string;
      readonly valid: boolean;
      readonly notification: boolean;
    };

/**
 * Splits the incoming byte stream into acknowledgements and packets, checking checksums. Payloads
 * are views of the chunks fed, which must not change afterwards.
 */
export class PacketScanner {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private parts: Buffer[] = [];
  private sum = 0;
  private sumText = '';
  private notification = false;

  feed(chunk: Buffer, emit: (event: WireEvent) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        // Payloads are long and `#` ends them (it is escaped inside), so search rather than step.
        const end = chunk.indexOf(HASH, i);
        const stop = end < 0 ? chunk.length : end;
        let sum = this.sum;
        for (let k = i; k < stop; k++) sum += chunk[k] as number;
        this.sum = sum & 0xff;
        this.parts.push(chunk.subarray(i, stop));
        i = stop;
        if (end >= 0) {
          this.state = 'sum1';
          i++;
        }
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'idle') {
        if (byte === 0x2b) emit({ type: 'ack' });
        else if (byte === 0x2d) emit({ type: 'nak' });
        else if (byte === DOLLAR || byte === PERCENT) {
          this.state = 'body';
          this.notification = byte === PERCENT;
          this.parts = [];
          this.sum = 0;
        }
        // Anything else between packets is line noise; the protocol says to ignore it.
      } else if (this.state === 'sum1') {
        this.sumText = String.fromCharCode(byte);
        this.state = 'sum2';
      } else {
        this.sumText += String.fromCharCode(byte);
        this.state = 'idle';
        // Socket chunks are fresh buffers, never reused, so a view of one can be kept.
        const raw = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
        this.parts = [];
        const valid = /^[0-9a-fA-F]{2}$/.test(this.sumText) && parseInt(this.sumText, 16) === this.sum;
        emit({ type: 'packet', raw, checksum: this.sumText, valid, notification: this.notification });
      }
    }
  }
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

/** What the client does about one event from the wire. */
export type WireAction =
  | { readonly kind: 'none' }
  /** Send the packet in flight again: the stub refused it with `-`. */
  | { readonly kind: 'retransmit' }
  /** Answer `-`: the packet arrived with a bad checksum, the stub is to send it again. */
  | { readonly kind: 'ask again' }
  /** The stream cannot be trusted any more. */
  | { readonly kind: 'fail'; readonly message: string }
  /** A packet whose checksum holds: its decoded payload. Notifications (`%`) answer nothing and need no acknowledgement. */
  | { readonly kind: 'reply'; readonly payload: Buffer; readonly notification: boolean };

export interface WireState {
  /** QStartNoAckMode is on: neither side acknowledges, so nothing can be sent again. */
  readonly noAck: boolean;
  /** A command waits for its reply. */
  readonly waiting: boolean;
  /** How often the stub has refused the command in flight already. */
  readonly naks: number;
}

/** How often one packet is sent again before the connection is given up. */
export const MAX_RETRANSMISSIONS = 5;

/** The GDB manual's "Packet Acknowledgment" rules, as the client follows them. */
export function wireAction(event: WireEvent, state: WireState): WireAction {
  if (event.type === 'ack') return { kind: 'none' };
  if (event.type === 'nak') {
    if (!state.waiting || state.noAck) return { kind: 'none' };
    if (state.naks >= MAX_RETRANSMISSIONS) return { kind: 'fail', message: `refused ${state.naks + 1} times` };
    return { kind: 'retransmit' };
  }
  if (!event.valid) {
    return state.noAck ? { kind: 'fail', message: 'a packet with a bad checksum and no way to ask again' } : { kind: 'ask again' };
  }
  return { kind: 'reply', payload: decodePayload(event.raw), notification: event.notification };
}

interface Handlers {
  readonly resolve: (payload: Buffer) => void;
  readonly reject: (error: GdbRemoteError) => void;
}

interface Transaction extends Handlers {
  readonly packet: Buffer;
  readonly command: string;
  readonly timeoutMs: number;
  /** Console output packets (`O...`) may precede a stop reply; they are not the answer. */
  readonly skipConsoleOutput: boolean;
  timer?: NodeJS.Timeout;
  naks: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** What GDB assumes before the stub states its PacketSize. */
const DEFAULT_PACKET_SIZE = 400;
const ACK = Buffer.from('+', 'latin1');
/** Memory requests kept outstanding when acknowledgements are off. */
const PIPELINE_DEPTH = 8;

export class GdbRemoteClient {
  readonly stats: TrafficStats = {
    packetsSent: 0,
    packetsReceived: 0,
    largestSent: 0,
    largestReceived: 0,
    badChecksums: 0,
    retransmissions: 0,
  };

  private readonly socket: net.Socket;
  private readonly options: GdbRemoteOptions;
  private readonly scanner = new PacketScanner();
  private readonly queued: Transaction[] = [];
  private readonly inflight: Transaction[] = [];
  private closedError: GdbRemoteError | undefined;
  private stubFeatures: ReadonlyMap<string, string | boolean> = new Map();
  private stubPacketSize = DEFAULT_PACKET_SIZE;
  private acksOff = false;
  private description: Promise<TargetDescription | undefined> | undefined;
  private pcLocation: Promise<RegisterLocation> | undefined;
  /** Set once `p` was answered with the empty packet; `g` is used from then on. */
  private noPacketP = false;
  private readonly closeWaiters: Array<() => void> = [];
  private ackOwed = false;
  /** Observers of every well-formed packet received, as it came over the wire. */
  readonly packetListeners = new Set<(packet: { raw: Buffer; checksum: string }) => void>();

  constructor(socket: net.Socket, options: GdbRemoteOptions = {}) {
    this.socket = socket;
    this.options = options;
    socket.on('data', (chunk: Buffer) => this.scanner.feed(chunk, (event) => this.onWireEvent(event)));
    socket.on('error', (error) => this.fail(new GdbRemoteError('CLOSED', `connection error: ${error.message}`)));
    socket.on('close', () => this.fail(new GdbRemoteError('CLOSED', 'the stub closed the connection')));
  }

  /** Connects to a stub listening on a unix socket path. */
  static connect(path: string, options: GdbRemoteOptions = {}): Promise<GdbRemoteClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GdbRemoteError('TIMEOUT', `no connection to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new GdbRemoteError('CLOSED', `cannot connect to ${path}: ${error.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new GdbRemoteClient(socket, options));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** The stub's features from qSupported (`name=value` as a string, `name+` as true). */
  get features(): ReadonlyMap<string, string | boolean> {
    return this.stubFeatures;
  }

  /** The largest packet the stub accepts; the client keeps whole packets, frame and checksum included, within it. */
  get packetSize(): number {
    return this.stubPacketSize;
  }

  /** True once QStartNoAckMode was accepted: no `+`/`-` in either direction. */
  get noAck(): boolean {
    return this.acksOff;
  }

  /** Resolves once the connection is gone. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Ends the connection; pending calls reject with CLOSED. */
  close(): void {
    this.fail(new GdbRemoteError('CLOSED', 'the connection was closed'));
  }

  /** Sends one command and returns the decoded payload of its reply. */
  request(command: string, options: CallOptions = {}): Promise<Buffer> {
    return this.enqueue(command, options, false);
  }

  /** Sends a command whose reply must not be an error or the empty packet, as text. */
  async command(command: string, options: CallOptions = {}): Promise<string> {
    const reply = (await this.request(command, options)).toString('latin1');
    if (reply === '') throw new GdbRemoteError('UNSUPPORTED', `the stub does not support ${describe(command)}`);
    if (isErrorReply(reply)) throw new GdbRemoteError('ERROR_REPLY', `${describe(command)} failed: ${reply}`);
    return reply;
  }

  /**
   * qSupported: learns the stub's features and PacketSize (hexadecimal: qemu's `1000` is 4096 bytes),
   * and turns acknowledgements off when the stub offers QStartNoAckMode (qemu 7.2 does not).
   */
  async negotiate(options: CallOptions = {}): Promise<ReadonlyMap<string, string | boolean>> {
    const reply = await this.command('qSupported:multiprocess+;swbreak+;hwbreak+', options);
    const features = new Map<string, string | boolean>();
    for (const item of reply.split(';')) {
      const equals = item.indexOf('=');
      if (equals >= 0) features.set(item.slice(0, equals), item.slice(equals + 1));
      else if (item.endsWith('+')) features.set(item.slice(0, -1), true);
      else if (item.endsWith('-')) features.set(item.slice(0, -1), false);
    }
    this.stubFeatures = features;
    const size = features.get('PacketSize');
    if (typeof size === 'string') {
      const parsed = parseInt(size, 16);
      if (!Number.isSafeInteger(parsed) || parsed < 32) throw new GdbRemoteError('PROTOCOL', `bad PacketSize=${size}`);
      this.stubPacketSize = parsed;
    }
    if (features.get('QStartNoAckMode') === true && (await this.request('QStartNoAckMode', options)).toString() === 'OK') {
      this.acksOff = true;
    }
    return features;
  }

  /** qOffsets: where the stub loaded the program, as `Text`, `Data` and (when given) `Bss`. */
  async offsets(options: CallOptions = {}): Promise<{ text: bigint; data: bigint; bss: bigint | undefined }> {
    const reply = await this.command('qOffsets', options);
    const fields = new Map(reply.split(';').map((item) => item.split('=', 2) as [string, string | undefined]));
    const read = (name: string): bigint | undefined => {
      const value = fields.get(name);
      return value === undefined ? undefined : parseHexBigInt(value, reply);
    };
    const text = read('Text');
    const data = read('Data');
    if (text === undefined || data === undefined) {
      throw new GdbRemoteError('PROTOCOL', `qOffsets reply without Text and Data: ${reply}`);
    }
    return { text, data, bss: read('Bss') };
  }

  /** `Z0`: a software breakpoint. `kind` is the breakpoint size; qemu-user ignores it. */
  async insertBreakpoint(address: bigint, kind = 1, options: CallOptions = {}): Promise<void> {
    await this.expectOk(`Z0,${hex(address)},${kind.toString(16)}`, options);
  }

  async removeBreakpoint(address: bigint, kind = 1, options: CallOptions = {}): Promise<void> {
    await this.expectOk(`z0,${hex(address)},${kind.toString(16)}`, options);
  }

  /** `c`: lets the program run until it stops, exits or is killed. */
  async continue(options: CallOptions = {}): Promise<StopReply> {
    return parseStopReply((await this.enqueue('c', options, true)).toString('latin1'));
  }

  /** `?`: why the program is stopped. */
  async stopReason(options: CallOptions = {}): Promise<StopReply> {
    return parseStopReply((await this.enqueue('?', options, true)).toString('latin1'));
  }

  /**
   * `m addr,len` in pieces whose replies fit PacketSize (each byte is two hex digits). Each reply
   * sends the next request at once, in the same write as its `+`; with acknowledgements off,
   * several requests are kept outstanding.
   */
  readMemory(address: bigint, length: number, options: CallOptions = {}): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
      if (address < 0n || address + BigInt(length) > 1n << 64n) throw new RangeError(`bad address 0x${address.toString(16)}`);
      const out = new Uint8Array(length);
      const chunk = Math.floor((this.packetSize - 4) / 2);
      const depth = this.noAck ? PIPELINE_DEPTH : 1;
      let remaining = length;
      let cursor = 0;
      let outstanding = 0;
      let failed = false;
      const fail = (error: GdbRemoteError): void => {
        if (!failed) reject(error);
        failed = true;
      };
      const request = (offset: number, size: number): void => {
        const at = address + BigInt(offset);
        outstanding++;
        this.submit(`m${at.toString(16)},${size.toString(16)}`, options, false, {
          reject: fail,
          resolve: (reply) => {
            outstanding--;
            if (failed) return;
            const count = reply.length / 2;
            if (!Number.isInteger(count) || count === 0 || count > size || !decodeHexInto(reply, out, offset)) {
              const text = reply.toString('latin1', 0, 40);
              fail(new GdbRemoteError('MEMORY', `cannot read ${size} bytes at 0x${at.toString(16)}: ${text === '' ? 'empty reply' : text}`, at));
              return;
            }
            remaining -= count;
            // A stub may return fewer bytes than asked (GDB manual, `m`); ask for the rest.
            if (count < size) request(offset + count, size - count);
            if (remaining === 0) resolve(out);
            else fill();
          },
        });
      };
      const fill = (): void => {
        while (cursor < length && outstanding < depth) {
          const size = Math.min(chunk, length - cursor);
          request(cursor, size);
          cursor += size;
        }
      };
      if (length === 0) resolve(out);
      else fill();
    });
  }

  /** `qXfer:features:read`: the target description with its included documents, if the stub has one. */
  targetDescription(options: CallOptions = {}): Promise<TargetDescription | undefined> {
    this.description ??= this.loadTargetDescription(options);
    return this.description;
  }

  /** `p n`: one register in target byte order, or undefined when the stub does not support `p`. */
  async readRegister(regnum: number, options: CallOptions = {}): Promise<Uint8Array | undefined> {
    const reply = (await this.request(`p${regnum.toString(16)}`, options)).toString('latin1');
    if (reply === '') return undefined;
    if (isErrorReply(reply)) throw new GdbRemoteError('ERROR_REPLY', `p${regnum.toString(16)} failed: ${reply}`);
    return hexBytes(reply);
  }

  /** `g`: all general registers, in target byte order. */
  async readRegisters(options: CallOptions = {}): Promise<Uint8Array> {
    return hexBytes(await this.command('g', options));
  }

  /** The program counter of the stopped thread. */
  async readProgramCounter(options: CallOptions = {}): Promise<bigint> {
    const byteOrder = this.options.byteOrder;
    if (byteOrder === undefined) {
      throw new GdbRemoteError('NOT_CONFIGURED', 'reading registers needs the target byte order (option byteOrder)');
    }
    const pc = await this.locateProgramCounter(options);
    let value = this.noPacketP ? undefined : await this.readRegister(pc.regnum, options);
    if (value === undefined) {
      this.noPacketP = true;
      const all = await this.readRegisters(options);
      if (all.length < pc.offset + pc.size) {
        throw new GdbRemoteError('PROTOCOL', `g reply of ${all.length} bytes has no register at offset ${pc.offset}`);
      }
      value = all.subarray(pc.offset, pc.offset + pc.size);
    }
    if (value.length !== pc.size) {
      throw new GdbRemoteError('PROTOCOL', `register ${pc.regnum} has ${value.length} bytes, expected ${pc.size}`);
    }
    const ordered = byteOrder === 'little' ? [...value].reverse() : [...value];
    return ordered.reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n);
  }

  /**
   * `k`: ends the program. GDB expects no reply; qemu-user sends `W00` (or nothing) and exits, so
   * this resolves on a reply, on the connection closing, or after the wait.
   */
  async kill(options: CallOptions = {}): Promise<void> {
    if (this.closed) return;
    // With a command in flight (a `c` whose program still runs) the stub reads nothing until
    // the program stops, so a `k` would never be seen: only closing is left.
    if (this.inflight.length === 0 && this.queued.length === 0) {
      const timeoutMs = options.timeoutMs ?? 2_000;
      const reply = this.enqueue('k', { timeoutMs }, false).catch(() => undefined);
      await Promise.race([reply, this.whenClosed()]);
    }
    this.close();
  }

  private async expectOk(command: string, options: CallOptions): Promise<void> {
    const reply = await this.command(command, options);
    if (reply !== 'OK') throw new GdbRemoteError('PROTOCOL', `${describe(command)} answered ${reply}`);
  }

  private async loadTargetDescription(options: CallOptions): Promise<TargetDescription | undefined> {
    if (this.features.get('qXfer:features:read') !== true) return undefined;
    const documents = new Map<string, string>();
    const failed = new Set<string>();
    const fetch = async (annex: string): Promise<void> => {
      if (documents.has(annex) || failed.has(annex)) return;
      let text: string;
      try {
        text = await this.readXfer('features', annex, options);
      } catch (error) {
        // qemu 7.2's loongarch64 names sub-documents in target.xml that it cannot send (E00).
        const refused = error instanceof GdbRemoteError && (error.code === 'ERROR_REPLY' || error.code === 'UNSUPPORTED');
        if (annex === 'target.xml' || !refused) throw error;
        failed.add(annex);
        return;
      }
      documents.set(annex, text);
      const body = text.replace(/<!--[\s\S]*?-->/g, '');
      for (const match of body.matchAll(/<xi:include\b([^>]*?)\/?>/g)) {
        const href = parseAttributes(match[1] ?? '').get('href');
        if (href !== undefined) await fetch(href);
      }
    };
    await fetch('target.xml');
    return parseTargetDescription(documents);
  }

  /** `qXfer:OBJECT:read:ANNEX:offset,length` until the stub answers `l` (last). */
  async readXfer(object: string, annex: string, options: CallOptions = {}): Promise<string> {
    const parts: Buffer[] = [];
    let offset = 0;
    const length = Math.max(16, Math.floor((this.packetSize - 5) / 2));
    for (;;) {
      const command = `qXfer:${object}:read:${annex}:${offset.toString(16)},${length.toString(16)}`;
      const reply = await this.request(command, options);
      const mark = reply[0];
      if (reply.length === 0) throw new GdbRemoteError('UNSUPPORTED', `the stub does not support ${describe(command)}`);
      if (mark !== 0x6d && mark !== 0x6c) {
        throw new GdbRemoteError('ERROR_REPLY', `${describe(command)} failed: ${reply.toString('latin1')}`);
      }
      parts.push(reply.subarray(1));
      offset += reply.length - 1;
      if (mark === 0x6c || reply.length === 1) return Buffer.concat(parts).toString('latin1');
    }
  }

  /** Where the program counter is: from the target description, else from the pcFallback option. */
  locateProgramCounter(options: CallOptions = {}): Promise<RegisterLocation> {
    this.pcLocation ??= this.findProgramCounterLocation(options);
    return this.pcLocation;
  }

  private async findProgramCounterLocation(options: CallOptions): Promise<RegisterLocation> {
    // Reading the description also matters to qemu 7.2: it answers `p` only once it has been read.
    const description = await this.targetDescription(options);
    const found = description === undefined ? undefined : findProgramCounter(description);
    const location = found ?? this.options.pcFallback;
    if (location === undefined) {
      throw new GdbRemoteError('NOT_CONFIGURED', 'the stub describes no program counter and no pcFallback was given');
    }
    return location;
  }

  private enqueue(command: string, options: CallOptions, skipConsoleOutput: boolean): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => this.submit(command, options, skipConsoleOutput, { resolve, reject }));
  }

  /** Queues a command; exactly one of the handlers is called, once. */
  private submit(command: string, options: CallOptions, skipConsoleOutput: boolean, handlers: Handlers): void {
    if (this.closedError !== undefined) {
      handlers.reject(new GdbRemoteError('CLOSED', `${describe(command)}: ${this.closedError.message}`));
      return;
    }
    const packet = encodePacket(command);
    if (packet.length > this.packetSize) {
      handlers.reject(new GdbRemoteError('PACKET_TOO_LARGE', `${describe(command)} is ${packet.length} bytes, PacketSize is ${this.packetSize}`));
      return;
    }
    this.queued.push({
      ...handlers,
      packet,
      command,
      timeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      skipConsoleOutput,
      naks: 0,
    });
    this.pump();
  }

  /** Sends queued packets while the window allows, after the acknowledgement owed, in one write. */
  private pump(): void {
    const window = this.noAck ? PIPELINE_DEPTH : 1;
    const out: Buffer[] = [];
    if (this.ackOwed) out.push(ACK);
    this.ackOwed = false;
    while (this.inflight.length < window && this.queued.length > 0) {
      const transaction = this.queued.shift() as Transaction;
      this.inflight.push(transaction);
      transaction.timer = setTimeout(() => this.onTimeout(transaction), transaction.timeoutMs);
      out.push(transaction.packet);
      this.stats.packetsSent++;
      this.stats.largestSent = Math.max(this.stats.largestSent, transaction.packet.length);
    }
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  private onWireEvent(event: WireEvent): void {
    const current = this.inflight[0];
    if (event.type === 'packet') {
      this.stats.packetsReceived++;
      this.stats.largestReceived = Math.max(this.stats.largestReceived, event.raw.length + 4);
    }
    const action = wireAction(event, { noAck: this.noAck, waiting: current !== undefined, naks: current?.naks ?? 0 });
    switch (action.kind) {
      case 'none':
        return;
      case 'retransmit':
        (current as Transaction).naks++;
        this.stats.retransmissions++;
        this.socket.write((current as Transaction).packet);
        return;
      case 'ask again':
        this.stats.badChecksums++;
        this.socket.write('-');
        return;
      case 'fail':
        if (event.type === 'packet') this.stats.badChecksums++;
        this.fail(new GdbRemoteError('PROTOCOL', current === undefined ? action.message : `${describe(current.command)}: ${action.message}`));
        return;
      case 'reply':
        break;
    }
    if (event.type !== 'packet') return;
    for (const listener of this.packetListeners) listener({ raw: event.raw, checksum: event.checksum });
    if (action.notification) return;
    // The `+` must precede any packet a handler sends: qemu-user reads one byte after each
    // reply, waiting for it, and takes anything else for a request to send the reply again.
    this.ackOwed = !this.noAck;
    const answers = current !== undefined && !(current.skipConsoleOutput && isConsoleOutput(action.payload));
    if (answers) {
      this.inflight.shift();
      clearTimeout(current.timer);
      current.resolve(action.payload);
    }
    this.pump();
  }

  private onTimeout(transaction: Transaction): void {
    // A late reply would be taken for the answer to the next command: the stream is lost.
    const error = new GdbRemoteError('TIMEOUT', `no reply to ${describe(transaction.command)} within ${transaction.timeoutMs} ms`);
    this.inflight.splice(this.inflight.indexOf(transaction), 1);
    transaction.reject(error);
    this.fail(new GdbRemoteError('CLOSED', `connection closed after ${error.message}`));
  }

  private fail(error: GdbRemoteError): void {
    if (this.closedError === undefined) this.closedError = error;
    const pending = [...this.inflight, ...this.queued];
    this.inflight.length = 0;
    this.queued.length = 0;
    for (const transaction of pending) {
      clearTimeout(transaction.timer);
      transaction.reject(new GdbRemoteError(error.code, `${describe(transaction.command)}: ${error.message}`));
    }
    if (!this.socket.destroyed) this.socket.destroy();
    for (const waiter of this.closeWaiters.splice(0)) waiter();
  }
}

/** `O hex`: console output a stub may send before a stop reply (`OK` is not one). */
function isConsoleOutput(payload: Buffer): boolean {
  return payload[0] === 0x4f && !(payload.length === 2 && payload[1] === 0x4b);
}

function isErrorReply(reply: string): boolean {
  // `Exx`, or `E.text` from newer stubs; a hex reply never starts with an upper-case E and odd length.
  return /^E[0-9a-fA-F]{2}$/.test(reply) || reply.startsWith('E.');
}

function describe(command: string): string {
  return command.length > 40 ? `${command.slice(0, 40)}...` : command;
}

function hex(value: bigint): string {
  if (value < 0n) throw new RangeError(`negative address ${value}`);
  return value.toString(16);
}

/** Hex digits straight into `out`; false at a character that is not one (`Exx` among them). */
function decodeHexInto(text: Buffer, out: Uint8Array, offset: number): boolean {
  const target = Buffer.from(out.buffer, out.byteOffset + offset, text.length >> 1);
  // Buffer#write stops at the first pair that is not hex and says how many bytes it wrote.
  return target.write(text.toString('latin1'), 'hex') * 2 === text.length;
}

function hexBytes(text: string): Buffer {
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

function parseHexBigInt(text: string, context: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) throw new GdbRemoteError('PROTOCOL', `bad address in ${JSON.stringify(context)}`);
  return BigInt(`0x${text}`);
}

function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1] as string, match[2] ?? match[3] ?? '');
  }
  return attributes;
}
