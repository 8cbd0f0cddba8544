/**
 * Where a running program is stopped: right after the relocator its symbols reveal (glibc, musl,
 * piekit's stub), else at its first system call, else where --stop-at says; what is refused, with the message that
 * says what to do; and the evidence for glibc's stop, read from real glibc 2.36 static-PIEs.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { PiekitError } from 'piekit';
import { archByName, architectures, PF_X, PT_LOAD, readElfFile } from 'piekit/elf';
import { chooseStopPoint, launchQemuSession, SymbolTable, verifyFile } from 'piekit/verify';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireCommand, requireToolchain, requireX86_64Host, runsHere } from './support/environment.js';
import { builtProgram } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';

const scratch = scratchDirectory('verify-stops');

beforeAll(async () => {
  await writeFile(scratch.at('program.c'), '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n');
});

/** A symbol's value as llvm-nm lists it: the expected addresses come from outside piekit's symbol reader. */
async function nmAddress(file: string, name: string): Promise<bigint> {
  const listing = (await execa('llvm-nm-19', ['--defined-only', file], { maxBuffer: 1 << 26 })).stdout;
  const line = listing.split('\n').find((entry) => entry.split(' ')[2] === name);
  if (line === undefined) throw new Error(`llvm-nm-19 lists no ${name} in ${file}`);
  return BigInt(`0x${line.split(' ')[0]}`);
}

/** hello.c with piekit's stub and no dump hook, for an architecture. */
async function sample(arch: string, name = `hello-${arch}`): Promise<string> {
  const output = scratch.at(name);
  // A copy: some tests strip it, and the build is shared with every file that asks for it.
  await copyFile(await builtProgram({ sources: ['samples/hello.c'], arch, relr: false, dump: false }, `hello-${arch}`), output);
  return output;
}

describe('the default stop', () => {
  beforeEach((context) => requireCommand(context, 'qemu-x86_64', 'qemu-user'));

  it("is piekit_after_relocation in piekit's stub", async (context) => {
    const x86_64 = archByName('x86_64');
    if (x86_64 === undefined) throw new Error('no x86_64 record');
    await requireToolchain(context, x86_64);
    const file = await sample('x86_64');
    await requireCommand(context, 'llvm-nm-19', 'llvm-19');
    const elf = readElfFile(file);
    expect(chooseStopPoint(elf, new SymbolTable(elf), undefined, file)).toEqual({
      kind: 'address',
      vaddrs: [await nmAddress(file, 'piekit_after_relocation')],
      symbol: 'piekit_after_relocation',
      chosenBy: 'piekit',
    });
  });

  it('is the first system call when no relocator is recognised, though main is there', async (context) => {
    const x86_64 = archByName('x86_64');
    if (x86_64 === undefined) throw new Error('no x86_64 record');
    await requireToolchain(context, x86_64);
    await requireCommand(context, 'llvm-objcopy-19', 'llvm-19');
    const file = await sample('x86_64', 'hello-anonymous');
    await execa('llvm-objcopy-19', ['--strip-symbol=pk_start_c', file]);
    const report = await verifyFile(file);
    expect(report.stopPoint).toMatchObject({ kind: 'system call', chosenBy: 'system call' });
    expect(report.runs[0]?.end.reason).toBe('stop point');
    expect(report.verified).toBe(true);
  });

  for (const [arch, why] of [
    ['thumb', 'bit 0 of a Thumb symbol is cleared'],
    ['powerpc64le', 'the ELFv2 local entry point is used'],
    ['powerpc64', 'the ELFv2 local entry point is used, big-endian'],
  ] as const) {
    it(`stops at main on ${arch}: ${why}`, async (context) => {
      const record = archByName(arch);
      if (record === undefined) throw new Error(`no ${arch} record`);
      await requireToolchain(context, record);
      await requireCommand(context, record.emulator?.command ?? '', 'qemu-user');
      const file = await sample(arch);
      const report = await verifyFile(file, { stopAt: 'main' });
      expect(report.runs[0]?.end.reason).toBe('stop point');
      expect(report.verified).toBe(true);
    });
  }
});

describe('the first system call, on every architecture qemu-user runs', () => {
  // The stub's program without the symbol that names its relocator: what is left to find the
  // stop is the system-call encoding of the architecture record.
  for (const arch of architectures.filter((candidate) => runsHere(candidate) && candidate.toolchain !== undefined)) {
    it(`${arch.name}: ${arch.systemCalls.map((encoding) => encoding.assembly).join(', ')}`, async (context) => {
      await requireToolchain(context, arch);
      await requireCommand(context, 'llvm-objcopy-19', 'llvm-19');
      const file = await sample(arch.name, `hello-${arch.name}-anonymous`);
      await execa('llvm-objcopy-19', ['--strip-symbol=pk_start_c', file]);
      if (arch.emulator?.gdb.stop.kind !== 'breakpoint') {
        // hexagon: qemu 7.2's stub takes no breakpoint, so main (the program has it) is the stop.
        const report = await verifyFile(file);
        expect(report.stopPoint).toMatchObject({ kind: 'address', symbol: 'main', chosenBy: 'main' });
        expect(report.verified).toBe(true);
        return;
      }
      const report = await verifyFile(file);
      expect(report.stopPoint).toMatchObject({ kind: 'system call', chosenBy: 'system call' });
      const end = report.runs[0]?.end;
      expect(end?.reason).toBe('stop point');
      expect(report.verified).toBe(true);
    });
  }
});

describe('what is refused', () => {
  beforeEach((context) => requireCommand(context, 'qemu-x86_64', 'qemu-user'));

  it('a symbol the file lacks, naming the closest ones', async (context) => {
    const x86_64 = archByName('x86_64');
    if (x86_64 === undefined) throw new Error('no x86_64 record');
    await requireToolchain(context, x86_64);
    const file = await sample('x86_64');
    const error = await verifyFile(file, { stopAt: 'piekit_after_relocatoin' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PiekitError);
    expect(error).toMatchObject({ code: 'UNVERIFIABLE' });
    expect((error as Error).message).toMatch(/no symbol of that name \(closest: piekit_after_relocation, /);
  });

  it('an address outside the executable segments, naming them; a stripped file stops at its first system call or at an address', async (context) => {
    const x86_64 = archByName('x86_64');
    if (x86_64 === undefined) throw new Error('no x86_64 record');
    await requireToolchain(context, x86_64);
    await requireCommand(context, 'llvm-objcopy-19', 'llvm-19');
    const file = await sample('x86_64', 'hello-stripped');
    const stop = new SymbolTable(readElfFile(file)).get('piekit_after_relocation')?.value;
    if (stop === undefined) throw new Error('no piekit_after_relocation');
    // No section headers at all: no symbol table, no section names.
    await execa('llvm-objcopy-19', ['--strip-sections', file]);
    expect(readElfFile(file).sectionHeaders).toEqual([]);
    const dataAddress = readElfFile(file).programHeaders.find((header) => header.type === PT_LOAD && (header.flags & PF_X) === 0)?.vaddr;
    if (dataAddress === undefined) throw new Error('no data segment');
    const error = await verifyFile(file, { stopAt: dataAddress }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PiekitError);
    expect(error).toMatchObject({ code: 'UNVERIFIABLE' });
    expect((error as Error).message).toMatch(/executes nothing there; its code lies in PT_LOAD \d+ \[0x/);
    const bySystemCall = await verifyFile(file);
    expect(bySystemCall.stopPoint).toMatchObject({ kind: 'system call', chosenBy: 'system call' });
    expect(bySystemCall.verified).toBe(true);
    const report = await verifyFile(file, { stopAt: stop });
    expect(report.runs[0]?.end.reason).toBe('stop point');
    expect(report.verified).toBe(true);
  });
});

describe("glibc 2.36's stop: __libc_setup_tls", () => {
  /** Call sites of a function in `objdump -d` output: the address and the function holding it. */
  function callSites(disassembly: string, callee: string): { at: bigint; caller: string }[] {
    const sites: { at: bigint; caller: string }[] = [];
    let caller = '';
    for (const line of disassembly.split('\n')) {
      const header = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
      if (header !== null) caller = header[1] as string;
      const call = /^\s*([0-9a-f]+):.*\s(?:call|bl)\s+[0-9a-f]+ <([^>+]+)>$/.exec(line);
      if (call !== null && call[2] === callee) sites.push({ at: BigInt(`0x${call[1]}`), caller });
    }
    return sites;
  }

  for (const [arch, compiler, objdump, qemu] of [
    ['x86_64', 'gcc', 'objdump', 'qemu-x86_64'],
    ['aarch64', 'aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-objdump', 'qemu-aarch64'],
  ] as const) {
    it(`${arch}: called once, only after _dl_relocate_static_pie returns, and reached in that order`, async (context) => {
      if (arch === 'x86_64') requireX86_64Host(context);
      await requireCommand(context, compiler, `gcc-${arch}-linux-gnu`);
      await requireCommand(context, qemu, 'qemu-user');
      await requireCommand(context, 'llvm-nm-19', 'llvm-19');
      const file = scratch.at(`glibc-${arch}`);
      await execa(compiler, ['-static-pie', '-O2', scratch.at('program.c'), '-o', file]);
      const disassembly = (await execa(objdump, ['-d', '--no-show-raw-insn', file], { maxBuffer: 1 << 28 })).stdout;
      const relocate = callSites(disassembly, '_dl_relocate_static_pie');
      const setupTls = callSites(disassembly, '__libc_setup_tls');
      expect(relocate).toHaveLength(1);
      expect(setupTls).toHaveLength(1);
      expect(setupTls[0]?.caller).toBe(relocate[0]?.caller);
      expect(setupTls[0]?.caller).toMatch(/^__libc_start_main/);
      expect((setupTls[0]?.at ?? 0n) > (relocate[0]?.at ?? 0n)).toBe(true);

      // Running: the relocator is entered first, then __libc_setup_tls, each once.
      const relocatorAt = await nmAddress(file, '_dl_relocate_static_pie');
      const setupTlsAt = await nmAddress(file, '__libc_setup_tls');
      const session = await launchQemuSession({ qemu, program: file });
      try {
        const { client } = session;
        const { text: base } = await client.offsets();
        const addresses = [base + relocatorAt, base + setupTlsAt];
        for (const address of addresses) await client.insertBreakpoint(address);
        const reached: bigint[] = [];
        for (let stop = await client.continue(); stop.kind === 'signal'; stop = await client.continue()) {
          const pc = await client.readProgramCounter();
          reached.push(pc);
          await client.removeBreakpoint(pc);
        }
        expect(reached).toEqual(addresses);
      } finally {
        await session.close();
      }
    });
  }
});
