/**
 * What a test needs from the machine, and what it does when that is missing. In strict mode
 * (PIEKIT_REQUIRE_ALL=1, which CI sets) anything scripts/setup installs must be there: its absence
 * fails the test instead of skipping it. Only what no set-up can provide is ever skipped, every skip
 * carries its reason, and a strict run accepts one reason only: an architecture qemu-user 7.2 cannot
 * run (powerpcle, loongarch32, arc).
 */
import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Arch, ElfFile } from 'piekit/elf';
import { missingRequirement } from 'piekit/toolchain';
import { emulatorFor } from 'piekit/userland';
import type { TestContext } from 'vitest';

export const STRICT = process.env.PIEKIT_REQUIRE_ALL === '1';

/** Architectures piekit builds for that qemu-user 7.2 cannot run: the only skips a strict run accepts. */
export const NO_EMULATOR_ARCHES = ['powerpcle', 'loongarch32', 'arc'] as const;
const NO_EMULATOR = new RegExp(`^qemu-user 7\\.2 has no emulator for (${NO_EMULATOR_ARCHES.join('|')})$`);

/** Whether a strict run accepts a skip for this reason (the end-of-run reporter asks the same). */
export function skipAllowedInStrictMode(reason: string | undefined): boolean {
  return reason !== undefined && NO_EMULATOR.test(reason);
}

/**
 * The one way a test skips: with a reason a user would accept. In strict mode
 * (PIEKIT_REQUIRE_ALL=1) any reason but an architecture qemu-user 7.2 cannot run fails the test
 * instead; test/support/skip-reporter.ts counts the skips by reason at the end of the run.
 */
export function skipTest(context: TestContext, reason: string): never {
  if (STRICT && !skipAllowedInStrictMode(reason)) {
    throw new Error(
      `${reason}: PIEKIT_REQUIRE_ALL=1 lets a test skip only because qemu-user 7.2 has no emulator for ${NO_EMULATOR_ARCHES.join(', ')}`,
    );
  }
  console.log(`skipped: ${context.task.name}: ${reason}`);
  return context.skip(reason);
}

/** A reason no set-up can remove: the test does not apply here (a failure in strict mode unless no emulator exists). */
export function notApplicable(context: TestContext, reason: string): never {
  return skipTest(context, reason);
}

/** Something scripts/setup installs is missing: a failure in strict mode, else a skip saying so. */
export function missing(context: TestContext, what: string): never {
  return skipTest(context, `${what} (scripts/setup installs it)`);
}

export async function onPath(command: string): Promise<boolean> {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    if (
      await access(join(directory, command), constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

export async function requireCommand(context: TestContext, command: string, debianPackage: string): Promise<void> {
  if (!(await onPath(command))) missing(context, `${command} is not installed (Debian package ${debianPackage})`);
}

export function requireFile(context: TestContext, path: string, debianPackage: string): void {
  if (!existsSync(path)) missing(context, `${path} is missing (Debian package ${debianPackage})`);
}

export function requireX86_64Host(context: TestContext): void {
  if (process.arch !== 'x64') notApplicable(context, 'it reads x86_64 system files, which only an x86_64 Debian host has');
}

export async function requireToolchain(context: TestContext, arch: Arch): Promise<void> {
  if (arch.toolchain === undefined) notApplicable(context, `Debian 12 has no compiler for ${arch.name}`);
  const absent = await missingRequirement(arch);
  if (absent !== undefined) missing(context, `${absent.command} is not installed (Debian package ${absent.package})`);
}

/** The command prefix that runs the file here (empty on the host); skips only where no emulator exists. */
export async function requireEmulator(context: TestContext, elf: ElfFile): Promise<string[]> {
  const prefix = emulatorFor(elf);
  if (prefix === undefined) return skipTest(context, `qemu-user 7.2 has no emulator for ${elf.arch.name}`);
  const [command] = prefix;
  if (command !== undefined) await requireCommand(context, command, 'qemu-user');
  return prefix;
}

/** Architectures whose programs run here: the host's own, and every one qemu-user emulates. */
export function runsHere(arch: Arch): boolean {
  return arch.emulator !== undefined;
}
