/**
 * Before any test file runs: every architecture's samples, built once with make, and piekit's
 * loader for every architecture (which `verify --base` builds on first use), so that the files
 * vitest runs in parallel only read them. Failures are reported by the tests that need what
 * failed, each naming its compiler.
 */
import { architectures } from 'piekit/elf';
import { loaderFor } from 'piekit/userland';
import { makeSamples } from './samples.js';

export default async function setup(): Promise<void> {
  const started = performance.now();
  const build = await makeSamples();
  console.log(`samples: make samples-all ${build.ok ? 'done' : 'FAILED (the tests that need them fail)'} in ${seconds(started)} s`);
  if (!build.ok) console.log(build.output.split('\n').slice(-20).join('\n'));
  const loaders = performance.now();
  const failed: string[] = [];
  for (const arch of architectures.filter((candidate) => candidate.toolchain !== undefined)) {
    await loaderFor(arch.name).catch(() => failed.push(arch.name));
  }
  console.log(`loaders: built in ${seconds(loaders)} s${failed.length === 0 ? '' : `; FAILED for ${failed.join(' ')}`}`);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}
