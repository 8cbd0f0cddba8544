/**
 * `piekit audit` on seeded mutants of real files: every mutant is either audited or refused with an
 * ElfError, never a crash, a hang or another exception, whatever the mutation did to the headers,
 * the dynamic array or the tables.
 */
import { readFileSync } from 'node:fs';
import { auditOutcome } from 'piekit/audit';
import { describe, expect, it } from 'vitest';
import { mutant, regionsOf, shapeOf } from './support/mutate.js';

const SEED = 20240917;
const FILES = ['samples/out/x86_64/tables-relr', 'samples/out/x86/hello-rel', 'samples/out/mips64/tables-relr', 'samples/out/armeb/hello-relr'];
const PER_FILE = 750;

describe('audit on seeded mutants', () => {
  for (const file of FILES) {
    it(`${file}: ${PER_FILE} mutants give only reports and ElfErrors`, { timeout: 300_000 }, () => {
      const base = new Uint8Array(readFileSync(file));
      const shape = shapeOf(base);
      const regions = regionsOf(shape);
      const outcomes = new Map<string, number>();
      for (let index = 0; index < PER_FILE; index++) {
        const { bytes, edits } = mutant(base, shape, regions, SEED, index);
        const outcome = auditOutcome(bytes);
        const kind = outcome.startsWith('ok ') ? 'ok' : outcome;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        expect(outcome.startsWith('ok ') || outcome.startsWith('error '), `mutant ${index} (${edits.join('; ')}): ${outcome}`).toBe(true);
      }
      // Most mutants must reach the audit proper, or the test says little about it.
      expect(outcomes.get('ok') ?? 0).toBeGreaterThan(PER_FILE / 3);
    });
  }
});
