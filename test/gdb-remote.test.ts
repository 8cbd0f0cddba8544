/**
 * The GDB remote client against real qemu-user stubs: framing on hand-made and captured packets,
 * then static-PIEs stopped at their entry point and at main on every architecture qemu runs,
 * memory read back and compared with the file, exits, faults, timeouts and cleanup.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PiekitError } from 'piekit';
import { archByName, architectures } from 'piekit/elf';
import {
  decodePayload,
  encodePacket,
  findProgramCounter,
  type GdbRemoteClient,
  GdbRemoteError,
  launchQemuSession,
  MAX_RETRANSMISSIONS,
  PacketScanner,
  packetChecksum,
  parseStopReply,
  parseTargetDescription,
  type QemuSession,
  type WireEvent,
  wireAction,
  withQemuSession,
} from 'piekit/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { compilerNote } from './support/samples.js';
import { privateTemporaryDirectory, scratchDirectory } from './support/scratch.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_PATH = path.join(ROOT, CLI);

/** piekit architecture, its qemu-user emulator: every architecture record with one. */
const ARCHITECTURES: ReadonlyArray<readonly [string, string]> = architectures.flatMap((arch) =>
  arch.emulator === undefined ? [] : [[arch.name, arch.emulator.command] as const],
);

// ---------------------------------------------------------------------------------------------
// A small ELF reader of its own, so that this file does not depend on the rest of the tree.

interface Load {
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

interface Elf {
  bytes: Buffer;
  machine: number;
  entry: bigint;
  loads: Load[];
  symbols: Map<string, { value: bigint; size: bigint; other: number }>;
}

function readElf(bytes: Buffer): Elf {
  if (bytes.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  const u16 = (at: number): number => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number): number => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const word = (at: number): bigint => (is64 ? (little ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : BigInt(u32(at)));
  const machine = u16(18);
  const entry = word(24);
  const phoff = Number(word(is64 ? 32 : 28));
  const shoff = Number(word(is64 ? 40 : 32));
  const [phentsize, phnum, shentsize, shnum] = is64 ? [u16(54), u16(56), u16(58), u16(60)] : [u16(42), u16(44), u16(46), u16(48)];
  const loads: Load[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (u32(at) !== 1) continue;
    loads.push(
      is64
        ? { offset: word(at + 8), vaddr: word(at + 16), filesz: word(at + 32) }
        : { offset: word(at + 4), vaddr: word(at + 8), filesz: word(at + 16) },
    );
  }
  const symbols = new Map<string, { value: bigint; size: bigint; other: number }>();
  const section = (i: number): { type: number; offset: number; size: number; link: number; entsize: number } => {
    const at = shoff + i * shentsize;
    return is64
      ? { type: u32(at + 4), offset: Number(word(at + 24)), size: Number(word(at + 32)), link: u32(at + 40), entsize: Number(word(at + 56)) }
      : { type: u32(at + 4), offset: u32(at + 16), size: u32(at + 20), link: u32(at + 24), entsize: u32(at + 36) };
  };
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== 2) continue;
    const strtab = section(symtab.link);
    for (let at = symtab.offset; at + symtab.entsize <= symtab.offset + symtab.size; at += symtab.entsize) {
      const nameAt = strtab.offset + u32(at);
      const name = bytes.toString('latin1', nameAt, bytes.indexOf(0, nameAt));
      const symbol = is64
        ? { value: word(at + 8), size: word(at + 16), other: bytes[at + 5] as number }
        : { value: word(at + 4), size: BigInt(u32(at + 8)), other: bytes[at + 13] as number };
      if (name !== '' && !symbols.has(name)) symbols.set(name, symbol);
    }
  }
  return { bytes, machine, entry, loads, symbols };
}

const EM_ARM = 40;
const EM_PPC64 = 21;

/** The link-time address where a function's code starts, as a breakpoint must be placed. */
function codeAddress(elf: Elf, value: bigint): bigint {
  // Bit 0 of a Thumb address selects the instruction set; the instruction is at the even address.
  if (elf.machine === EM_ARM) return value & ~1n;
  return value;
}

function functionAddress(elf: Elf, name: string): bigint {
  const symbol = elf.symbols.get(name);
  if (symbol === undefined) throw new Error(`no symbol ${name}`);
  let value = codeAddress(elf, symbol.value);
  // ELFv2 (ppc64): calls from within the module enter past the TOC set-up, at the local entry point
  // encoded in st_other (ABI: ((1 << n) >> 2) * 4 bytes).
  if (elf.machine === EM_PPC64) value += BigInt(((1 << ((symbol.other >> 5) & 7)) >> 2) << 2);
  return value;
}

// ---------------------------------------------------------------------------------------------

const scratch = scratchDirectory('gdb-test');
const temporary = privateTemporaryDirectory(scratch);

function processGone(pid: number | undefined): boolean {
  return pid !== undefined && !existsSync(`/proc/${pid}`);
}

async function expectCleanedUp(session: QemuSession): Promise<void> {
  await session.close();
  expect(processGone(session.child.pid)).toBe(true);
  expect(existsSync(session.directory)).toBe(false);
}

/** Every packet of a session, checked here independently of the client's own check. */
function recordPackets(client: GdbRemoteClient): Array<{ raw: Buffer; checksum: string }> {
  const packets: Array<{ raw: Buffer; checksum: string }> = [];
  client.packetListeners.add((packet) => packets.push(packet));
  return packets;
}

function expectValidChecksums(packets: ReadonlyArray<{ raw: Buffer; checksum: string }>): void {
  expect(packets.length).toBeGreaterThan(0);
  for (const { raw, checksum } of packets) expect(packetChecksum(raw)).toBe(parseInt(checksum, 16));
}

function scan(bytes: string | Buffer): WireEvent[] {
  const events: WireEvent[] = [];
  const scanner = new PacketScanner();
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  // One byte at a time, as a slow stream would deliver them.
  for (let i = 0; i < data.length; i++) scanner.feed(data.subarray(i, i + 1), (event) => events.push(event));
  return events;
}

describe('packets', () => {
  it('frames, checksums and escapes outgoing packets', () => {
    expect(encodePacket('qOffsets').toString('latin1')).toBe('$qOffsets#4b');
    expect(encodePacket('m4000000000,7fe').toString('latin1')).toBe('$m4000000000,7fe#7f');
    // `$`, `#`, `}` and `*` are sent as `}` and the byte xor 0x20.
    expect(encodePacket(Buffer.from([0x24, 0x23, 0x7d, 0x2a, 0x41])).toString('latin1')).toBe('$}\x04}\x03}]}\x0aA#a3');
  });

  it('decodes run-length encoding and escapes, in that order', () => {
    // GDB manual: "0* " is "0000" (space is 32, a repeat count of 32 - 29 = 3).
    expect(decodePayload(Buffer.from('0* ', 'latin1')).toString('latin1')).toBe('0000');
    expect(decodePayload(Buffer.from('ab*"c', 'latin1')).toString('latin1')).toBe('abbbbbbc');
    expect(decodePayload(Buffer.from('x}]y}\x03', 'latin1')).toString('latin1')).toBe('x}y#');
    // '!' is 33: four more.
    expect(decodePayload(Buffer.from('1*!', 'latin1')).toString('latin1')).toBe('11111');
  });

  it('carries all 256 byte values through encode, scan and decode', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const [event] = scan(encodePacket(data));
    expect(event).toMatchObject({ type: 'packet', valid: true, notification: false });
    if (event?.type !== 'packet') throw new Error('no packet');
    expect(decodePayload(event.raw).equals(data)).toBe(true);
  });

  it('reports acks, naks, bad checksums and notifications, and ignores noise', () => {
    const events = scan('+-\x03$OK#9a$OK#9b%Stop:T05#99');
    expect(events.map((event) => event.type)).toEqual(['ack', 'nak', 'packet', 'packet', 'packet']);
    expect(events[2]).toMatchObject({ valid: true, checksum: '9a' });
    expect(events[3]).toMatchObject({ valid: false, checksum: '9b' });
    expect(events[4]).toMatchObject({ valid: true, notification: true });
  });

  it('parses stop replies', () => {
    const trap = parseStopReply('T05thread:p01.1a2b;06:0100000000000000;swbreak:;');
    expect(trap).toMatchObject({ kind: 'signal', signal: 5, thread: 'p01.1a2b' });
    if (trap.kind !== 'signal') throw new Error('not a signal');
    expect([...(trap.registers.get(6) ?? [])]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(trap.info.has('swbreak')).toBe(true);
    expect(parseStopReply('S0b')).toMatchObject({ kind: 'signal', signal: 11 });
    expect(parseStopReply('W03')).toEqual({ kind: 'exited', status: 3, pid: undefined });
    expect(parseStopReply('W00;process:4d2')).toEqual({ kind: 'exited', status: 0, pid: 1234 });
    expect(parseStopReply('X09')).toEqual({ kind: 'terminated', signal: 9, pid: undefined });
    expect(() => parseStopReply('OK')).toThrow(GdbRemoteError);
    expect(() => parseStopReply('OK')).toThrow(expect.objectContaining({ code: 'PROTOCOL' }));
  });

  it('numbers registers across included documents and honours regnum', () => {
    const documents = new Map([
      ['target.xml', '<target><architecture>powerpc:common</architecture><xi:include href="core.xml"/><xi:include href="fpu.xml"/></target>'],
      [
        'core.xml',
        '<feature><!-- <reg name="pc" bitsize="8"/> --><reg name="r0" bitsize="32"/><reg name="r1" bitsize="32"/>' +
          '<reg name="pc" bitsize="32" type="code_ptr" regnum="4"/><reg name="lr" bitsize="32" type="code_ptr"/></feature>',
      ],
      ['fpu.xml', '<feature><reg name="f0" bitsize="64" regnum="2"/><reg name="f1" bitsize="64"/></feature>'],
    ]);
    const description = parseTargetDescription(documents);
    expect(description.architecture).toBe('powerpc:common');
    expect(description.registers.map((r) => [r.name, r.regnum])).toEqual([
      ['r0', 0],
      ['r1', 1],
      ['pc', 4],
      ['lr', 5],
      ['f0', 2],
      ['f1', 3],
    ]);
    // `g` holds r0, r1, f0, f1 before pc: 4 + 4 + 8 + 8 bytes.
    expect(findProgramCounter(description)).toEqual({ regnum: 4, size: 4, offset: 24 });
    const partial = parseTargetDescription(new Map([['target.xml', '<target><xi:include href="gone.xml"/></target>']]));
    expect(partial.missing).toEqual(['gone.xml']);
    expect(findProgramCounter(partial)).toBeUndefined();
  });
});

/**
 * Packets captured from qemu-x86_64 7.2 on a glibc static-PIE whose entry point ends in 0x7d, as
 * they came over the wire: the reply to `?`, to qOffsets, to `qXfer:auxv:read::0,7fd` (binary,
 * AT_ENTRY escaped as `}]`), to `m BASE,10`, to Z0, and the exit.
 */
const CAPTURED = {
  stop: '$T05thread:p01.39d9;#ae',
  offsets: '$Text=0000004000000000;Data=0000004000000000;Bss=0000004000000000#80',
  auxv: Buffer.from(
    '246c030000000000000040000000400000000400000000000000380000000000000005000000000000000c000000000000000600000000000000001000000000000007000000000000' +
      '0000000000000000000800000000000000000000000000000009000000000000007d5d980000400000000b0000000000000000000000000000000c00000000000000000000000000' +
      '00000d0000000000000000000000000000000e0000000000000000000000000000001000000000000000fdfbcb0f00000000110000000000000064000000000000001900000000000000' +
      '90848b0240000000170000000000000000000000000000001f00000000000000e78f8b02400000000f00000000000000ab848b02400000000000000000000000000000000000000023' +
      '3233',
    'hex',
  ),
  memory: '$7f454c46020101030000000000000000#8e',
  ok: '$OK#9a',
  exit: '$W03#ba',
} as const;

describe('captured qemu packets through the pure functions', () => {
  it('scans, checksums and decodes them, the escaped auxv included', () => {
    const wire = Buffer.concat(Object.values(CAPTURED).map((packet) => (typeof packet === 'string' ? Buffer.from(`+${packet}`, 'latin1') : packet)));
    const events = scan(wire);
    expect(events.filter((event) => event.type === 'ack')).toHaveLength(Object.keys(CAPTURED).length - 1);
    const packets = events.filter((event) => event.type === 'packet');
    expect(packets.map((event) => event.valid)).toEqual([true, true, true, true, true, true]);
    const [stop, offsets, auxv, memory, ok, exit] = packets.map((event) => decodePayload(event.raw));
    expect(parseStopReply(stop?.toString('latin1') ?? '')).toMatchObject({ kind: 'signal', signal: 5, thread: 'p01.39d9' });
    expect(offsets?.toString('latin1')).toBe('Text=0000004000000000;Data=0000004000000000;Bss=0000004000000000');
    // `l`, then 16-byte entries: AT_ENTRY (9) = 0x400000987d, whose 0x7d travelled as `}]`.
    expect(auxv?.[0]).toBe(0x6c);
    const entries = new Map<bigint, bigint>();
    for (let at = 1; at + 16 <= (auxv?.length ?? 0); at += 16) entries.set(auxv?.readBigUInt64LE(at) ?? 0n, auxv?.readBigUInt64LE(at + 8) ?? 0n);
    expect(entries.get(9n)).toBe(0x400000987dn);
    expect(memory?.toString('latin1')).toBe('7f454c46020101030000000000000000');
    expect(ok?.toString('latin1')).toBe('OK');
    expect(parseStopReply(exit?.toString('latin1') ?? '')).toEqual({ kind: 'exited', status: 3, pid: undefined });
  });

  it('asks again for a captured packet whose checksum was damaged, and fails without acknowledgements', () => {
    const damaged = CAPTURED.offsets.replace(/#..$/, '#81');
    const [event] = scan(damaged);
    expect(event).toMatchObject({ type: 'packet', valid: false, checksum: '81' });
    if (event === undefined) throw new Error('no event');
    expect(wireAction(event, { noAck: false, waiting: true, naks: 0 })).toEqual({ kind: 'ask again' });
    expect(wireAction(event, { noAck: true, waiting: true, naks: 0 })).toMatchObject({ kind: 'fail' });
    const [intact] = scan(CAPTURED.offsets);
    if (intact === undefined) throw new Error('no event');
    expect(wireAction(intact, { noAck: false, waiting: true, naks: 0 })).toMatchObject({ kind: 'reply', notification: false });
  });

  it('sends a refused packet again, a bounded number of times, and ignores acknowledgements', () => {
    const [nak] = scan('-');
    const [ack] = scan('+');
    if (nak === undefined || ack === undefined) throw new Error('no event');
    expect(wireAction(nak, { noAck: false, waiting: true, naks: 0 })).toEqual({ kind: 'retransmit' });
    expect(wireAction(nak, { noAck: false, waiting: true, naks: MAX_RETRANSMISSIONS - 1 })).toEqual({ kind: 'retransmit' });
    expect(wireAction(nak, { noAck: false, waiting: true, naks: MAX_RETRANSMISSIONS })).toMatchObject({ kind: 'fail' });
    // A `-` with nothing in flight, or in no-ack mode, asks for nothing.
    expect(wireAction(nak, { noAck: false, waiting: false, naks: 0 })).toEqual({ kind: 'none' });
    expect(wireAction(nak, { noAck: true, waiting: true, naks: 0 })).toEqual({ kind: 'none' });
    expect(wireAction(ack, { noAck: false, waiting: true, naks: 0 })).toEqual({ kind: 'none' });
  });
});

describe('glibc static-PIEs', () => {
  const source = `
#include <stdio.h>
#include <string.h>

/* 9 MiB of file-backed bytes that no relocation touches. */
__asm__(".section .rodata\\n.balign 4096\\n.globl big\\nbig:\\n.incbin \\"blob.bin\\"\\n.globl big_end\\nbig_end:\\n.previous");
extern const unsigned char big[], big_end[];

#ifdef __x86_64__
/* An entry point whose address ends in 0x7d ('}'), so the auxv qemu sends (AT_ENTRY) needs an escape. */
__asm__(".text\\n.balign 256\\n.skip 0x7d, 0xcc\\n.globl escaped_entry\\nescaped_entry:\\njmp _start\\n");
#endif

int *volatile null_pointer;

__attribute__((noinline)) void crash(void) { *null_pointer = 42; }

__attribute__((noinline)) void spin(void) { for (volatile unsigned long i = 0;; i++) {} }

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "crash") == 0) crash();
	if (argc > 1 && strcmp(argv[1], "spin") == 0) spin();
	printf("big %zu bytes, first %u\\n", (size_t)(big_end - big), big[0]);
	return 3;
}
`;
  let program: string;
  let elf: Elf;

  beforeAll(async () => {
    const dir = scratch.at('glibc');
    await mkdir(dir);
    await writeFile(path.join(dir, 'prog.c'), source);
    await writeFile(path.join(dir, 'blob.bin'), randomBytes(9 << 20));
    program = path.join(dir, 'prog');
    await run('gcc', ['-static-pie', '-O2', 'prog.c', '-Wl,-e,escaped_entry', '-o', program], { cwd: dir });
    elf = readElf(await readFile(program));
  });

  it('stops at main, reads 8 MiB back, and runs to exit status 3', async () => {
    const started = performance.now();
    const session = await launchQemuSession({ qemu: 'qemu-x86_64', program });
    const connected = performance.now();
    const { client } = session;
    const packets = recordPackets(client);

    expect(statSync(session.directory).mode & 0o777).toBe(0o700);
    // PacketSize is hexadecimal: qemu's "1000" is its 4096-byte buffer.
    expect(client.features.get('PacketSize')).toBe('1000');
    expect(client.packetSize).toBe(4096);
    expect(await client.stopReason()).toMatchObject({ kind: 'signal', signal: 5 });

    const { text: base, data } = await client.offsets();
    expect(data).toBe(base);
    const main = base + functionAddress(elf, 'main');
    await client.insertBreakpoint(main);
    expect(await client.continue()).toMatchObject({ kind: 'signal', signal: 5 });
    const atMain = performance.now();
    expect(await client.readProgramCounter()).toBe(main);
    await client.removeBreakpoint(main);

    // The base is where the program really is: its first page there is the file's first page.
    const page = await client.readMemory(base, 4096);
    expect(Buffer.from(page).equals(elf.bytes.subarray(0, 4096))).toBe(true);

    // AT_ENTRY in the auxv is base + e_entry, whose low byte qemu must send escaped.
    const auxvPackets = packets.length;
    const auxv = Buffer.from(await client.readXfer('auxv', ''), 'latin1');
    expect(packets.slice(auxvPackets).some(({ raw }) => raw.includes(0x7d))).toBe(true);
    const entries = new Map<bigint, bigint>();
    for (let at = 0; at + 16 <= auxv.length; at += 16) entries.set(auxv.readBigUInt64LE(at), auxv.readBigUInt64LE(at + 8));
    expect(entries.get(9n)).toBe(base + elf.entry); // AT_ENTRY
    expect(elf.entry & 0xffn).toBe(0x7dn);

    // The 9 MiB read-only segment holding `big`, compared with the file's bytes.
    const segment = elf.loads.find((load) => load.filesz >= 8n << 20n);
    if (segment === undefined) throw new Error('no large segment');
    const before = { ...client.stats };
    const readStarted = performance.now();
    const eight = await client.readMemory(base + segment.vaddr, 8 << 20);
    const readTime = performance.now() - readStarted;
    const whole = await client.readMemory(base + segment.vaddr, Number(segment.filesz));
    const offset = Number(segment.offset);
    expect(Buffer.from(eight).equals(elf.bytes.subarray(offset, offset + (8 << 20)))).toBe(true);
    expect(Buffer.from(whole).equals(elf.bytes.subarray(offset, offset + Number(segment.filesz)))).toBe(true);
    // Each reply fits PacketSize: "$", two hex digits per byte, "#" and the checksum.
    const perRequest = Math.floor((client.packetSize - 4) / 2);
    expect(client.stats.packetsSent - before.packetsSent).toBe(Math.ceil((8 << 20) / perRequest) + Math.ceil(Number(segment.filesz) / perRequest));
    expect(client.stats.largestReceived).toBeLessThanOrEqual(client.packetSize);
    expect(client.stats.largestSent).toBeLessThanOrEqual(client.packetSize);

    // Nothing larger than PacketSize leaves the client.
    await expect(client.request(`m${'0'.repeat(4096)},1`)).rejects.toMatchObject({ code: 'PACKET_TOO_LARGE' });
    await expect(client.readMemory(0n, 16)).rejects.toMatchObject({ code: 'MEMORY', address: 0n });

    const end = await client.continue();
    expect(end).toMatchObject({ kind: 'exited', status: 3 });
    expect(await session.exited).toEqual({ code: 3, signal: null });
    const big = elf.symbols.get('big');
    if (big === undefined) throw new Error('no symbol big');
    expect(session.stdout).toBe(`big ${9 << 20} bytes, first ${elf.bytes[Number(big.value - segment.vaddr) + offset]}\n`);
    expectValidChecksums(packets);
    expect(client.stats.badChecksums).toBe(0);
    await expectCleanedUp(session);

    console.log(
      `x86_64 glibc static-PIE: connected ${(connected - started).toFixed(0)} ms after launch, ` +
        `breakpoint at main ${(atMain - started).toFixed(0)} ms after launch; ` +
        `8 MiB read in ${readTime.toFixed(0)} ms (${Math.ceil((8 << 20) / perRequest)} m packets of ${perRequest} bytes)`,
    );
  });

  it('reports a segmentation fault with the pc inside the faulting function', async () => {
    await withQemuSession({ qemu: 'qemu-x86_64', program, args: ['crash'] }, async (session) => {
      const { client } = session;
      const { text: base } = await client.offsets();
      const stop = await client.continue();
      expect(stop).toMatchObject({ kind: 'signal', signal: 11 });
      const crash = elf.symbols.get('crash');
      if (crash === undefined) throw new Error('no symbol crash');
      const pc = await client.readProgramCounter();
      expect(pc >= base + crash.value && pc < base + crash.value + crash.size).toBe(true);
      await expectCleanedUp(session);
    });
  });

  it("types the stub's refusals: Exx as ERROR_REPLY, the empty packet as UNSUPPORTED", async () => {
    await withQemuSession({ qemu: 'qemu-x86_64', program }, async (session) => {
      // Page 0 is not mapped: qemu answers a write there with E14.
      await expect(session.client.command('M0,1:00')).rejects.toMatchObject({ code: 'ERROR_REPLY' });
      await expect(session.client.command('qPiekitNoSuchQuery')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expectCleanedUp(session);
    });
  });

  it('kills the program with k', async () => {
    const session = await launchQemuSession({ qemu: 'qemu-x86_64', program });
    await session.client.kill();
    const exit = await session.exited;
    expect(exit.signal === null ? exit.code : exit.signal).toBe(0);
    expect(session.stderr).toContain('Terminated via GDBstub');
    expect(session.client.closed).toBe(true);
    await expectCleanedUp(session);
  });

  it('gives up on a program that never stops, with a typed timeout, and leaves nothing running', async () => {
    const session = await launchQemuSession({ qemu: 'qemu-x86_64', program, args: ['spin'] });
    const started = performance.now();
    const error = await session.client.continue({ timeoutMs: 1_000 }).catch((caught: unknown) => caught);
    const waited = performance.now() - started;
    expect(error).toBeInstanceOf(GdbRemoteError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(3_000);
    // The stream is out of step after a timeout: later calls fail at once instead of misreading.
    await expect(session.client.stopReason()).rejects.toMatchObject({ code: 'CLOSED' });
    await expectCleanedUp(session);
  });

  it('rejects a pending call with CLOSED when the stub goes away', async () => {
    const session = await launchQemuSession({ qemu: 'qemu-x86_64', program, args: ['spin'] });
    const pending = session.client.continue({ timeoutMs: 30_000 });
    session.child.kill('SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(session.client.stopReason()).rejects.toMatchObject({ code: 'CLOSED' });
    await expectCleanedUp(session);
  });

  it('runs an aarch64 glibc static-PIE to main and to its exit', async () => {
    const dir = scratch.at('glibc');
    const arm64 = path.join(dir, 'prog-aarch64');
    await run('aarch64-linux-gnu-gcc', ['-static-pie', '-O2', 'prog.c', '-o', arm64], { cwd: dir });
    const arm64Elf = readElf(await readFile(arm64));
    const session = await launchQemuSession({ qemu: 'qemu-aarch64', program: arm64 });
    const { client } = session;
    const { text: base } = await client.offsets();
    expect(Buffer.from(await client.readMemory(base, 4096)).equals(arm64Elf.bytes.subarray(0, 4096))).toBe(true);
    expect(await client.readProgramCounter()).toBe(base + arm64Elf.entry);
    const main = base + functionAddress(arm64Elf, 'main');
    await client.insertBreakpoint(main);
    expect(await client.continue()).toMatchObject({ kind: 'signal', signal: 5 });
    expect(await client.readProgramCounter()).toBe(main);
    await client.removeBreakpoint(main);
    expect(await client.continue()).toMatchObject({ kind: 'exited', status: 3 });
    await session.exited;
    expect(session.stdout).toMatch(/^big 9437184 bytes/);
    await expectCleanedUp(session);
  });

  it('cleans up when the process gets SIGINT', async () => {
    // A separate Node process runs a session; its SIGINT must end qemu, remove the socket
    // directory, and still end that process by SIGINT.
    const out = scratch.at('signal');
    await mkdir(out);
    // The built package (scripts/setup builds dist/), as a program using it would import it.
    const built = path.join(ROOT, 'dist', 'loader', 'verify', 'index.js');
    await writeFile(
      path.join(out, 'main.mjs'),
      `import { launchQemuSession } from ${JSON.stringify(built)};
const session = await launchQemuSession({ qemu: 'qemu-x86_64', program: ${JSON.stringify(program)}, args: ['spin'] });
session.client.continue({ timeoutMs: 60000 }).catch(() => {});
console.log(JSON.stringify({ pid: session.child.pid, directory: session.directory }));
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [path.join(out, 'main.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text);
      });
      child.once('exit', () => reject(new Error(`the session process ended early: ${text}`)));
    });
    const { pid, directory } = JSON.parse(line) as { pid: number; directory: string };
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(existsSync(directory)).toBe(true);
    const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    child.kill('SIGINT');
    expect(await ended).toBe('SIGINT');
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(directory)).toBe(false);
  });
});

describe('launching qemu', () => {
  it('names the Debian package when the emulator is missing, and leaves no directory', async () => {
    const before = await readdir(temporary.path);
    const error = await launchQemuSession({ qemu: 'qemu-piekit-none', program: '/bin/true' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PiekitError);
    expect(error).toMatchObject({ code: 'ENVIRONMENT' });
    expect((error as Error).message).toContain('qemu-piekit-none');
    expect((error as Error).message).toContain('qemu-user');
    expect((await readdir(temporary.path)).filter((name) => !before.includes(name))).toEqual([]);
  });

  it('says so when the emulator cannot be started, and leaves no directory', async () => {
    const before = await readdir(temporary.path);
    // A directory is found but cannot be executed: spawn fails with EACCES, not ENOENT.
    const error = await launchQemuSession({ qemu: scratch.path, program: '/bin/true' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GdbRemoteError);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED' });
    expect((error as Error).message).toContain(`cannot start ${scratch.path}`);
    expect((await readdir(temporary.path)).filter((name) => !before.includes(name))).toEqual([]);
  });

  it("fails early, with qemu's message, when qemu exits before listening", async () => {
    const options = { qemu: 'qemu-x86_64', qemuOptions: ['-cpu', 'no-such-cpu'], program: '/bin/true', timeoutMs: 30_000 };
    const started = performance.now();
    const error = await launchQemuSession(options).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'QEMU_EXITED' });
    expect((error as Error).message).toContain("unable to find CPU model 'no-such-cpu'");
  });
});

describe('freestanding samples on every architecture', () => {
  const samples = new Map<string, string | { failed: string }>();

  beforeAll(async () => {
    const dir = scratch.at('samples');
    await mkdir(dir);
    const pending: Array<() => Promise<void>> = ARCHITECTURES.map(([arch]) => async () => {
      samples.set(arch, await obtainSample(arch, dir));
    });
    // Two at a time: the machine has two cores, and building is the slow part.
    const workers = [0, 1].map(async () => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) await next();
    });
    await Promise.all(workers);
  });

  for (const [arch, qemu] of ARCHITECTURES) {
    it(`${arch} under ${qemu}`, async () => {
      const sample = samples.get(arch);
      // A sample that could not be built is a failure, never a skip.
      if (sample === undefined || typeof sample !== 'string') throw new Error(sample?.failed ?? `no ${arch} sample`);
      const elf = readElf(await readFile(sample));
      // mips, sparc and loongarch64 stubs describe no program counter: the record says where it is.
      const pcFallback = archByName(arch)?.emulator?.gdb.pc;
      const session = await launchQemuSession({ qemu, program: sample, ...(pcFallback === undefined ? {} : { pcFallback }) });
      try {
        await checkSample(arch, elf, session);
      } finally {
        await expectCleanedUp(session);
      }
    });
  }
});

/** The prebuilt hello sample, copied so that a rebuild elsewhere cannot change it under the test. */
async function obtainSample(arch: string, dir: string): Promise<string | { failed: string }> {
  const copy = path.join(dir, `hello-${arch}`);
  for (const name of ['hello-rela', 'hello-rel']) {
    const prebuilt = path.join(ROOT, 'samples/out', arch, name);
    if (!existsSync(prebuilt)) continue;
    try {
      await copyFile(prebuilt, copy);
      readElf(await readFile(copy));
      return copy;
    } catch {
      // Being rewritten by a build elsewhere: build a private copy instead.
    }
  }
  if (!existsSync(CLI_PATH))
    return { failed: `no prebuilt samples/out/${arch}/hello-rel(a) and no ${CLI_PATH} to build one (scripts/setup builds it)` };
  try {
    await run(process.execPath, [CLI_PATH, 'build', path.join(ROOT, 'samples/hello.c'), '--arch', arch, '-o', copy]);
    return copy;
  } catch (error) {
    return { failed: `building hello for ${arch} failed (${compilerNote(arch)}): ${(error as Error).message}` };
  }
}

async function checkSample(arch: string, elf: Elf, session: QemuSession): Promise<void> {
  const { client } = session;
  const packets = recordPackets(client);
  expect(client.packetSize).toBe(4096);
  // qemu stops before the first instruction.
  expect(await client.stopReason()).toMatchObject({ kind: 'signal', signal: 5 });
  const { text: base } = await client.offsets();

  // The ELF header and what follows it, as mapped at the base qemu reports.
  const first = elf.loads[0];
  if (first === undefined) throw new Error('no PT_LOAD');
  expect(first.vaddr).toBe(0n);
  const length = Math.min(4096, Number(first.filesz));
  expect(Buffer.from(await client.readMemory(base, length)).equals(elf.bytes.subarray(0, length))).toBe(true);

  const entry = base + codeAddress(elf, elf.entry);
  const main = base + functionAddress(elf, 'main');
  if (arch === 'hexagon') {
    // qemu 7.2's hexagon stub has no target description, refuses `p`, aborts on `g`
    // (hexagon_gdb_read_register: "code should not be reached") and on any breakpoint
    // (unhandled CPU exception 0x10002): only memory, qOffsets and continue work.
    console.log('hexagon: no breakpoint or register read: qemu 7.2 aborts on both');
    await expect(client.readProgramCounter()).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
  } else {
    const location = await client.locateProgramCounter();
    console.log(`${arch}: base 0x${base.toString(16)}, pc register ${location.regnum} (${location.size} bytes, g offset ${location.offset})`);
    expect(await client.readProgramCounter()).toBe(entry);

    // The kinds GDB sends for Thumb and ARM code; qemu-user accepts any kind and ignores it.
    const kind = arch.startsWith('thumb') ? 2 : arch.startsWith('arm') ? 4 : 1;
    // qemu reports a breakpoint at the pc it is stopped at without executing anything.
    await client.insertBreakpoint(entry, kind);
    expect(await client.continue()).toMatchObject({ kind: 'signal', signal: 5 });
    expect(await client.readProgramCounter()).toBe(entry);
    await client.removeBreakpoint(entry, kind);

    // main runs after the stub has relocated the program.
    await client.insertBreakpoint(main, kind);
    expect(await client.continue()).toMatchObject({ kind: 'signal', signal: 5 });
    expect(await client.readProgramCounter()).toBe(main);
    await client.removeBreakpoint(main, kind);
  }

  expect(await client.continue()).toMatchObject({ kind: 'exited', status: 0 });
  expect(await session.exited).toEqual({ code: 0, signal: null });
  expect(session.stdout).toContain('hello, world\n');
  expectValidChecksums(packets);
}
