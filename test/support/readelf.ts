import { execa } from 'execa';

/** A relative relocation as GNU readelf lists it: the word's address and, for RELA, its addend. */
export interface ListedRelative {
  readonly offset: bigint;
  readonly addend: bigint | undefined;
}

/**
 * The relative relocations `readelf -r -W` lists, from every relocation section: RELA rows end
 * in the addend, REL rows have none, and a RELR section lists bare decoded addresses.
 */
export async function readelfRelatives(file: string, relativeTypeName: string): Promise<ListedRelative[]> {
  const { stdout } = await execa('readelf', ['-r', '-W', file], { maxBuffer: 1 << 30 });
  const relatives: ListedRelative[] = [];
  let inRelr = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('Relocation section')) {
      inRelr = line.includes('.relr');
      continue;
    }
    const fields = line.trim().split(/\s+/);
    if (inRelr && fields.length === 1 && /^[0-9a-f]{8,16}$/.test(fields[0] ?? '')) {
      relatives.push({ offset: BigInt(`0x${fields[0]}`), addend: undefined });
      continue;
    }
    if (fields[2] !== relativeTypeName) continue;
    const addend = fields.length > 3 ? fields.at(-1) : undefined;
    relatives.push({ offset: BigInt(`0x${fields[0]}`), addend: addend === undefined ? undefined : BigInt(`0x${addend}`) });
  }
  return relatives;
}
