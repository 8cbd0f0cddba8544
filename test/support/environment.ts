/**
 * What a test needs from the machine, and what it does when that is missing. In strict mode
 * (PIEKIT_REQUIRE_ALL=1, which CI sets) anything scripts/setup installs must be there: its absence
 * fails the test instead of skipping it. Only what no set-up can provide (an emulator qemu-user 7.2
 * does not have, a compiler Debian 12 does not have, another kind of host) is ever skipped, and
 * every skip carries its reason.
 */
import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Arch, ElfFile } from 'piekit/elf';
import { missingRequirement } from 'piekit/toolchain';
import { emulatorFor } from 'piekit/userland';
import type { TestContext } from 'vitest';

export const STRICT = process.env.PIEKIT_REQUIRE_ALL === '1';

/** A reason no set-up can remove: the test does not apply here. */
export function notApplicable(context: TestContext, reason: string): never {
  console.log(`skipped: ${context.task.name}: ${reason}`);
  return context.skip(reason);
}

/** Something scripts/setup installs is missing: a failure in strict mode, else a skip saying so. */
export function missing(context: TestContext, what: string): never {
  if (STRICT) throw new Error(`${what}: scripts/setup installs it, and PIEKIT_REQUIRE_ALL=1 does not let a test skip for it`);
  return notApplicable(context, `${what} (scripts/setup installs it)`);
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
  if (prefix === undefined) return notApplicable(context, `qemu-user 7.2 has no emulator for ${elf.arch.name}`);
  const [command] = prefix;
  if (command !== undefined) await requireCommand(context, command, 'qemu-user');
  return prefix;
}

/** Architectures whose programs run here: the host's own, and every one qemu-user emulates. */
export function runsHere(arch: Arch): boolean {
  return arch.emulator !== undefined;
}
