import type { ElfFile } from '../../elf/index.js';
import { apply, type Image, imageFor, type Plan, plan } from '../model/index.js';
import { relocateNative } from './native.js';

/** Which implementation of the algorithm relocates: TypeScript's plan + apply, or startup/relocate.c in-process. */
export type Engine = 'ts' | 'native';
export const ENGINES: readonly Engine[] = ['ts', 'native'];

/** A file relocated at a base: the writes in order (as a plan) and the image after them. */
export interface Relocated {
  readonly plan: Plan;
  readonly image: Image;
}

export function relocate(elf: ElfFile, base: bigint, engine: Engine = 'ts'): Relocated {
  if (engine === 'native') return relocateNative(elf, base);
  const planned = plan(elf);
  const image = imageFor(planned);
  apply(planned, image, base);
  return { plan: planned, image };
}
