import { missingRequirement, type Toolchain } from 'piekit';

export { onPath } from 'piekit';

/** Why this toolchain cannot build here, or undefined when it can. */
export async function missingToolchain(toolchain: Toolchain): Promise<string | undefined> {
  const missing = await missingRequirement(toolchain);
  return missing === undefined ? undefined : `${missing.command} is not installed (Debian package ${missing.package})`;
}
