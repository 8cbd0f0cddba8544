/**
 * A client for the GDB remote serial protocol, enough to stop a program under a stub (qemu-user's
 * `-g`), read its memory and registers, and let it run on or kill it: one queue of commands, each
 * answered in order. Framing is packet.ts's, the meaning of replies replies.ts's.
 *
 * Reference: the "Remote Protocol" appendix of the GDB manual.
 */
import net from 'node:net';
import { encodePacket, PacketScanner, type WireEvent, wireAction } from './packet.js';
import {
  findProgramCounter,
  GdbRemoteError,
  hexBytes,
  parseAttributes,
  parseHexBigInt,
  parseStopReply,
  parseTargetDescription,
  type RegisterLocation,
  type StopReply,
  type TargetDescription,
} from './replies.js';

export type ByteOrder = 'little' | 'big';

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

export interface TrafficStats {
  packetsSent: number;
  packetsReceived: number;
  /** Bytes of the largest packet sent or received, `$` to checksum included. */
  largestSent: number;
  largestReceived: number;
  badChecksums: number;
  retransmissions: number;
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
