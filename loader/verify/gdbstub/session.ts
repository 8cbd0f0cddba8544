/**
 * Runs a program under qemu-user's GDB stub (`qemu-ARCH -g SOCKET program args...`), stopped before
 * its first instruction, with a connected GdbRemoteClient, and cleans everything up afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PiekitError } from '../../errors.js';
import { type ByteOrder, GdbRemoteClient } from './client.js';
import { GdbRemoteError, type RegisterLocation } from './replies.js';

/** Bytes to write over a file at a file offset. */
export interface FilePatch {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface QemuSessionOptions {
  /** The emulator, e.g. `qemu-aarch64`, or a path to it. */
  readonly qemu: string;
  readonly program: string;
  /**
   * Run a copy of `program` with these bytes written over it: the copy gets `program`'s name in the
   * session's private directory, and is removed with it (e.g. a trap patched into the code).
   */
  readonly programPatch?: FilePatch;
  readonly args?: readonly string[];
  /** Run under qemu before the program, e.g. `['piekit-loader', '--base', B, '--']`. */
  readonly prefix?: readonly string[];
  /** Further emulator options, placed before `-g`. */
  readonly qemuOptions?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Limit for the connection and the client's default for every wait (10 s when omitted). */
  readonly timeoutMs?: number;
  /** How long close() waits for qemu to end before SIGTERM, and again before SIGKILL. */
  readonly killGraceMs?: number;
  /** Defaults to the byte order in the ELF header of the first program qemu runs (or of `program`). */
  readonly byteOrder?: ByteOrder;
  /** For stubs without a usable target description: the architecture record's `emulator.gdb.pc`. */
  readonly pcFallback?: RegisterLocation;
}

export interface QemuExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface QemuSession {
  /** Connected, with qSupported already negotiated. */
  readonly client: GdbRemoteClient;
  readonly child: ChildProcess;
  /** The private directory (mode 0700) holding the socket; removed by close(). */
  readonly directory: string;
  readonly socketPath: string;
  /** What the program wrote so far; qemu passes the guest's stdio through (its own messages too). */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when qemu has ended and its output is complete. */
  readonly exited: Promise<QemuExit>;
  /** Sends `k` when connected, ends qemu (SIGTERM, then SIGKILL), awaits it, removes the directory. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_KILL_GRACE_MS = 300;
/** How long output may trail the end of qemu. */
const OUTPUT_GRACE_MS = 1_000;
/** sun_path is 108 bytes on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;

/** Starts qemu with its stub on a private unix socket and connects to it. */
/** A copy of `from` at `to` with `patch` written over it, made by the kernel: the program's bytes never pass through this process. */
async function writePatchedCopy(from: string, to: string, patch: FilePatch): Promise<void> {
  await copyFile(from, to);
  await chmod(to, 0o700);
  const handle = await open(to, 'r+');
  try {
    await handle.write(patch.bytes, 0, patch.bytes.length, patch.offset);
  } finally {
    await handle.close();
  }
}

export async function launchQemuSession(options: QemuSessionOptions): Promise<QemuSession> {
  // mkdtemp makes the directory 0700: no other user can reach the stub, which obeys anyone.
  const directory = await mkdtemp(path.join(os.tmpdir(), 'piekit-gdb-'));
  const socketPath = path.join(directory, 'gdb.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    await rm(directory, { recursive: true, force: true });
    throw new GdbRemoteError('SPAWN_FAILED', `socket path too long for a unix socket: ${socketPath}`);
  }
  let program = options.program;
  if (options.programPatch !== undefined) {
    program = path.join(directory, path.basename(options.program));
    try {
      await writePatchedCopy(options.program, program, options.programPatch);
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
  }
  const session = new Session({ ...options, program }, directory, socketPath);
  try {
    await session.start();
    return session;
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** Runs `body` with a session and closes it whatever happens. */
export async function withQemuSession<T>(options: QemuSessionOptions, body: (session: QemuSession) => Promise<T>): Promise<T> {
  const session = await launchQemuSession(options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

class Session implements QemuSession {
  readonly child: ChildProcess;
  readonly exited: Promise<QemuExit>;
  /** Resolves when the qemu process is gone (its output may still be on the way). */
  private readonly gone: Promise<void>;
  private connected: GdbRemoteClient | undefined;
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private spawnError: Error | undefined;
  private ended = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: QemuSessionOptions,
    readonly directory: string,
    readonly socketPath: string,
  ) {
    const argv = [...(options.qemuOptions ?? []), '-g', socketPath, ...(options.prefix ?? []), options.program, ...(options.args ?? [])];
    this.child = spawn(options.qemu, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    track(this);
    this.child.stdout?.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.err.push(chunk));
    this.gone = new Promise<void>((resolve) => {
      const end = (): void => {
        this.ended = true;
        resolve();
      };
      this.child.once('exit', end);
      this.child.once('error', (error) => {
        this.spawnError = error;
        // A spawn that failed has no process and emits no exit.
        if (this.child.pid === undefined) end();
      });
    });
    this.exited = new Promise<QemuExit>((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  get client(): GdbRemoteClient {
    if (this.connected === undefined) throw new GdbRemoteError('SPAWN_FAILED', 'the session is not connected');
    return this.connected;
  }

  get stdout(): string {
    return Buffer.concat(this.out).toString('utf8');
  }

  get stderr(): string {
    return Buffer.concat(this.err).toString('utf8');
  }

  async start(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await this.connectWhenListening(timeoutMs);
    const { prefix, program } = this.options;
    const byteOrder =
      this.options.byteOrder ?? (prefix?.[0] === undefined ? undefined : await elfByteOrder(prefix[0])) ?? (await elfByteOrder(program));
    const pcFallback = this.options.pcFallback;
    this.connected = new GdbRemoteClient(socket, {
      timeoutMs,
      ...(byteOrder === undefined ? {} : { byteOrder }),
      ...(pcFallback === undefined ? {} : { pcFallback }),
    });
    await this.connected.negotiate();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Synchronous last resort when Node is exiting: no time to wait for anything. */
  closeNow(): void {
    if (!this.ended) this.child.kill('SIGKILL');
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async shutdown(): Promise<void> {
    const grace = this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    try {
      const client = this.connected;
      if (client !== undefined && !client.closed) await client.kill({ timeoutMs: 1_000 });
      client?.close();
      // A stub blocked waiting for its debugger may not act on SIGTERM; SIGKILL always ends it.
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        if (this.ended) break;
        await Promise.race([this.gone, delay(grace)]);
        if (!this.ended) this.child.kill(signal);
      }
      await this.gone;
      // A process the program forked may hold the pipes open; its output is not waited for.
      if ((await Promise.race([this.exited, delay(OUTPUT_GRACE_MS)])) === undefined) {
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
      }
    } finally {
      await rm(this.directory, { recursive: true, force: true });
      untrack(this);
    }
  }

  private async connectWhenListening(timeoutMs: number): Promise<net.Socket> {
    const deadline = Date.now() + timeoutMs;
    // qemu creates the socket only once it listens; until then connect fails with ENOENT.
    for (let wait = 2; ; wait = Math.min(wait * 2, 25)) {
      await this.throwIfGone();
      const socket = await tryConnect(this.socketPath);
      if (socket !== undefined) return socket;
      if (Date.now() >= deadline) {
        throw new GdbRemoteError('TIMEOUT', `${this.options.qemu} did not accept a debugger connection on ${this.socketPath} within ${timeoutMs} ms`);
      }
      await Promise.race([delay(wait), this.gone]);
    }
  }

  private async throwIfGone(): Promise<void> {
    const error = this.spawnError as NodeJS.ErrnoException | undefined;
    if (error?.code === 'ENOENT') {
      throw new PiekitError('ENVIRONMENT', `${this.options.qemu} was not found: install the Debian package qemu-user (apt-get install qemu-user)`);
    }
    if (error !== undefined) throw new GdbRemoteError('SPAWN_FAILED', `cannot start ${this.options.qemu}: ${error.message}`);
    if (!this.ended) return;
    // Its last words may still be in the pipe.
    await Promise.race([this.exited, delay(OUTPUT_GRACE_MS)]);
    const { exitCode, signalCode } = this.child;
    const how = signalCode === null ? `with status ${exitCode}` : `by signal ${signalCode}`;
    const stderr = this.stderr.trim();
    throw new GdbRemoteError('QEMU_EXITED', `${this.options.qemu} ended ${how} before accepting a debugger${stderr === '' ? '' : `: ${stderr}`}`);
  }
}

function tryConnect(socketPath: string): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

async function elfByteOrder(file: string): Promise<ByteOrder | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(6), 0, 6, 0);
      if (bytesRead < 6 || buffer.readUInt32BE(0) !== 0x7f454c46) return undefined;
      // EI_DATA: 1 is ELFDATA2LSB, 2 is ELFDATA2MSB.
      return buffer[5] === 1 ? 'little' : buffer[5] === 2 ? 'big' : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** A grace period raced against an event: unreferenced, so that once the event wins it does not keep the process alive. */
function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

// One set of handlers for every live session: a Ctrl-C or kill must not leave qemu running or
// sockets behind. They are removed when the last session closes.
const live = new Set<Session>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function track(session: Session): void {
  if (live.size === 0) {
    for (const signal of SIGNALS) process.on(signal, onSignal);
    process.on('exit', onExit);
  }
  live.add(session);
}

function untrack(session: Session): void {
  if (!live.delete(session) || live.size > 0) return;
  removeHandlers();
}

function removeHandlers(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  process.removeListener('exit', onExit);
}

function onSignal(signal: NodeJS.Signals): void {
  removeHandlers();
  const sessions = [...live];
  void Promise.allSettled(sessions.map((session) => session.close())).then(() => {
    // With our handler gone, the signal's default action (or the application's own handler) runs.
    process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const session of live) session.closeNow();
}
