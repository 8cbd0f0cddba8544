import { type Arch, typeName } from '../../elf/index.js';

/**
 * What a non-relative REL/RELA entry asks of whoever loads the file, told apart by the names the
 * architecture record gives its types (elf/relocation-names.ts, spelled as GNU readelf does):
 * - `none`: R_*_NONE, filler that asks for nothing;
 * - `irelative`: R_*_IRELATIVE and R_*_JMP_IREL, a resolver to call (glibc does, during relocation);
 * - `tls`: thread-local types, which need the libc's TLS layout;
 * - `symbolic`: everything else, a symbol's value the word keeps at its link-time value unless
 *   a dynamic linker (or glibc's static-PIE relocator) resolves it.
 * This is the one place that sorts types into classes: hazards and runtime models both ask it.
 */
export type EntryClass = 'none' | 'irelative' | 'tls' | 'symbolic';
export const ENTRY_CLASSES: readonly EntryClass[] = ['symbolic', 'tls', 'irelative', 'none'];

const IRELATIVE = /IRELATIVE|JMP_IREL/;
const TLS = /TLS|DTP|TPREL|TPOFF/;
const NONE = /_NONE$/;

/** The class of a type name; mips64's stacked `a/b/c` names are classed by r_type, the first. */
export function classifyTypeName(name: string): EntryClass {
  const first = name.split('/')[0] ?? name;
  if (NONE.test(first)) return 'none';
  if (IRELATIVE.test(first)) return 'irelative';
  if (TLS.test(first)) return 'tls';
  return 'symbolic';
}

/** Classes by type number, cached per architecture: a library carries tens of thousands of entries. */
export class EntryClassifier {
  private readonly cache = new Map<number, { readonly name: string; readonly entryClass: EntryClass }>();

  constructor(readonly arch: Arch) {}

  of(type: number): { readonly name: string; readonly entryClass: EntryClass } {
    let known = this.cache.get(type);
    if (known === undefined) {
      const name = typeName(this.arch, type);
      known = { name, entryClass: classifyTypeName(name) };
      this.cache.set(type, known);
    }
    return known;
  }
}
