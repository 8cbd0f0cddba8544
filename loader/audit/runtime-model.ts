import type { ArchName } from '../../elf/index.js';
import type { EntryClass } from './relocation-classes.js';

/** The runtimes `piekit audit --runtime` names, in the order reports list them. */
export const RUNTIME_NAMES = [
  'spec',
  'glibc-2.36',
  'glibc-2.35',
  'musl-1.2.4',
  'musl-1.2.3',
  'zig-0.11',
  'zig-pie',
  'origin',
  'elfldltl',
  'limine',
] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/**
 * One pass of a relocator, in the order it makes them:
 * - `got`: the MIPS local GOT (DT_MIPS_LOCAL_GOTNO words at DT_PLTGOT, each += base);
 * - `rel`, `rela`: the table, or with `counts: 'split'` only its first DT_RELCOUNT/DT_RELACOUNT entries;
 * - `rel:rest`, `rela:rest`: with `counts: 'split'`, the entries after those, by type;
 * - `relr`: the packed table;
 * - `jmprel`: the DT_JMPREL table in the format DT_PLTREL names; `jmprel:rel` and `jmprel:rela`
 *   only when DT_PLTREL names that format (glibc walks it inside the REL or the RELA pass).
 */
export type Step = 'got' | 'rel' | 'rela' | 'rel:rest' | 'rela:rest' | 'relr' | 'jmprel' | 'jmprel:rel' | 'jmprel:rela';

/**
 * What a relocator does with an entry it does not treat as relative:
 * - `ignored`: nothing, and nothing was asked (R_*_NONE);
 * - `left`: nothing, so the word keeps its link-time value;
 * - `applied`: it computes a value (symbol lookup, resolver call) this model does not reproduce;
 * - `trap`: it stops the program.
 */
export type Handling = 'ignored' | 'left' | 'applied' | 'trap';

/**
 * How a relocator checks DT_RELENT, DT_RELAENT or DT_RELRENT when the table is there:
 * - `ignored`: it never reads the tag;
 * - `equal-if-present`: a value other than the class's entry size stops it, an absent tag does not;
 * - `required`: the tag must be there and equal (glibc dereferences it unconditionally once DT_REL/DT_RELA is;
 *   DT_JMPREL alone does not ask for it);
 * - `at-least`: the tag must be there and at least the entry size, and is then used as the stride.
 */
export type EntrySizeRule = 'ignored' | 'equal-if-present' | 'required' | 'at-least';

/**
 * One relocator as data. The interpreter (relocator.ts) runs any record; each field is a behaviour
 * that differs between real relocators, and each record's comment cites the code it describes.
 */
export interface RuntimeModel {
  readonly name: RuntimeName;
  /** What code the record describes, in a few words (reports print it). */
  readonly describes: string;
  /** Architectures the code exists for; a file of another one is reported as not for it. */
  readonly architectures: 'all' | readonly ArchName[];
  readonly dynamic: {
    /** Where it reads the dynamic array: in memory at PT_DYNAMIC's p_vaddr, or in the file at its p_offset. */
    readonly at: 'p_vaddr' | 'p_offset';
    /**
     * Tags below this bound index an array (later duplicates winning); undefined when each tag is
     * matched exactly. `signed`: the tag is compared as the signed d_tag, so a negative one
     * indexes out of the array.
     */
    readonly arrayBelow: number | undefined;
    readonly tags: 'unsigned' | 'signed';
    /** Tags outside the array it matches exactly as well. */
    readonly alsoReads: readonly bigint[];
  };
  readonly steps: readonly Step[];
  /** The DT_PLTREL formats a `jmprel` step accepts; another one stops the relocator. */
  readonly jmprelFormats?: readonly ('rel' | 'rela')[] | undefined;
  /** Tables the code is built without on some architectures: their steps do nothing there. */
  readonly unwalked?: Partial<Record<'rel' | 'rela', readonly ArchName[]>> | undefined;
  /**
   * When a REL/RELA/RELR table is walked: its address tag is nonzero (`address`), its address tag
   * is present at all (`tag`), or its size tag is nonzero whatever the address (`size`).
   */
  readonly tablePresent: 'address' | 'tag' | 'size';
  /** With `size`: an absent address tag means link-time address 0 (`base + 0`) or the null pointer. */
  readonly absentAddress: 'link-zero' | 'null';
  /**
   * A table's address tag without its size tag reads as size 0, or stops the relocator (glibc
   * dereferences the missing tag); a size tag without the address tag is ignored or refused.
   */
  readonly pairs: { readonly addressWithoutSize: 'zero' | 'refused'; readonly sizeWithoutAddress: 'ignored' | 'refused' };
  /** A table address or size that is not a multiple of the entry's alignment or size is refused up front. */
  readonly tableAlignment: 'ignored' | 'refused';
  /** Which DT_MIPS_LOCAL_GOTNO counts when the tag repeats. */
  readonly localGotCount: 'first' | 'last';
  /**
   * How it recognises a relative entry: `arch` as the psABI says (on MIPS R_MIPS_REL32 with symbol
   * 0, mips64's stacked types), or `type`: the generic ELF32_R_TYPE/ELF64_R_TYPE (low 8 or 32 bits
   * of r_info) equal to the relative type, the symbol unchecked; `typeFor` overrides that type.
   */
  readonly relative: { readonly decode: 'arch' | 'type'; readonly typeFor?: Partial<Record<ArchName, number>> | undefined };
  /** A relative RELA entry: `word = base + addend`, `word += base + addend`, or the psABI's rule (ARC adds the base to the word). */
  readonly rela: 'set' | 'add' | 'arch';
  /** RELR decoding: bit k relocates where[k - 1] (`correct`), where[k] (`seed`), or no RELR at all. */
  readonly relr: 'correct' | 'seed' | 'none';
  /**
   * A bitmap before any address entry: counts from link-time address 0, faults (its `where` is the
   * null pointer, not the base), is undefined behaviour (an uninitialised pointer), or is rejected.
   */
  readonly leadingBitmap: 'from-zero' | 'faults' | 'undefined' | 'rejected';
  /**
   * DT_RELCOUNT/DT_RELACOUNT: not read; `trusted`, the first that many entries are applied as
   * relative without looking at their type; `split`, they form the relative pass and the rest is
   * walked later by type (`rel:rest`, `rela:rest`).
   */
  readonly counts: 'ignored' | 'trusted' | 'split';
  readonly entrySizes: { readonly rel: EntrySizeRule; readonly rela: EntrySizeRule; readonly relr: EntrySizeRule };
  /**
   * A table size that is not a multiple of the entry size: refused up front, rounded down, a loop
   * that never reaches its end (`runaway`), or a last entry read past the table (`overrun`).
   */
  readonly tableSize: 'refused' | 'floor' | 'runaway' | 'overrun';
  /** What it does with each class of non-relative entry it meets; a type without a name traps where `symbolic` is not `left`. */
  readonly nonRelative: Readonly<Record<EntryClass, Handling>>;
  /**
   * IRELATIVE entries are resolved at run time wherever they are, DT_JMPREL included, even where the
   * relocation steps never walk that table (piekit's plan lists them so, and verify checks them).
   */
  readonly resolvesIrelativeOfEveryTable?: boolean | undefined;
  /** When only some symbolic types are applied (the rest trap), those types by architecture. */
  readonly symbolicTypes?: Partial<Record<ArchName, readonly string[]>> | undefined;
  /** A write into a PT_LOAD without PF_W: the page is read-only at run time (`fault`), or the loader writes a buffer. */
  readonly textRelocations: 'fault' | 'written';
  /** A write outside every PT_LOAD faults, or is silently skipped. */
  readonly outsideSegments: 'fault' | 'skipped';
  /** Refusals of the program headers themselves. */
  readonly loads: { readonly overlapping: 'ignored' | 'refused'; readonly sharedPages: 'ignored' | 'refused' };
}
