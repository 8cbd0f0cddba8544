import { mutant, regionsOf, type Shape, structuredMutant } from '../support/mutate.js';

/** What the mutation driver (mutate.ts) asks of its child process (mutant-worker.ts). */
export interface WorkerRequest {
  readonly seed: number;
  readonly first: number;
  /** Run the inputs as they are, one index each, instead of mutating them. */
  readonly plain: boolean;
  readonly files: readonly string[];
}

export interface WorkerReport {
  readonly index: number;
  readonly stage: 'start' | 'done';
  /** Both engines ran: reading and validation before relocation accepted the file. */
  readonly reached?: boolean;
  readonly ts?: string;
  readonly native?: string;
}

/** Mutant `index`: its input file, bytes and edits; half aimed at the fields, half at random bytes of them. */
export function mutantOf(files: readonly { bytes: Uint8Array; shape: Shape }[], seed: number, index: number) {
  const input = files[index % files.length] as (typeof files)[number];
  const which = Math.floor(index / files.length);
  return which % 2 === 0
    ? structuredMutant(input.bytes, input.shape, seed, which)
    : mutant(input.bytes, input.shape, regionsOf(input.shape), seed, which);
}
