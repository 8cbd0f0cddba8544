// The reader's index does not export these two; a file whose tables piekit refuses is still audited.
import { findDynamicHeader, readDynamic } from '../../elf/dynamic.js';
import { constantDataRanges, DT_INIT, ElfError, type ElfFile, inConstantData, PT_NOTE, SymbolTable } from '../../elf/index.js';
import { dumpMarker } from '../verify/dump-hook.js';
import type { RuntimeName } from './runtime-model.js';
import { runtime } from './runtimes.js';

/** The startup code a static-PIE carries: it is the relocator that runs it, whatever piekit models. */
export type RuntimeFamily = 'glibc' | 'musl' | 'zig' | 'piekit' | 'unknown';

export interface CarriedRuntime {
  readonly family: RuntimeFamily;
  /** The release the file names (`2.36` from glibc's "GLIBC 2.36" banner), or null when it names none. */
  readonly version: string | null;
  /** What gave it away: `symbol _dl_relocate_static_pie`, `note NT_GNU_ABI_TAG`, `string "GLIBC_TUNABLES"`. */
  readonly evidence: readonly string[];
  /** The models the file is judged by (its exit status). */
  readonly judgedBy: readonly RuntimeName[];
  /**
   * Releases of the same runtime the file may have been built with but is not judged by, because
   * it names no version: their results are shown, and a difference is a warning.
   */
  readonly otherReleases: readonly RuntimeName[];
}

interface Signature {
  readonly family: Exclude<RuntimeFamily, 'unknown'>;
  /** Any one of these symbols (.symtab, else .dynsym). */
  readonly symbols: readonly string[];
  /** Symbol names containing one of these (Zig names functions by their module path). */
  readonly symbolParts?: readonly string[];
  /** Any one of these byte strings in the file's constant data (`constantDataRanges`): what a stripped file keeps. */
  readonly strings: readonly string[];
  /** When this holds, the strings are no evidence: they show the language, not the startup code. */
  readonly stringsUnless?: (elf: ElfFile) => boolean;
  /** Other bytes of its constant data, which evidence names its own way. */
  readonly marker?: { readonly bytes: () => Uint8Array; readonly evidence: string };
  /** An ELF note (owner, type) the runtime's start files carry. */
  readonly note?: { readonly owner: string; readonly type: number; readonly name: string };
  /** Its releases that piekit models, newest first. */
  readonly releases: readonly RuntimeName[];
}

const NT_GNU_ABI_TAG = 1;

/**
 * How each runtime shows in a file. piekit's stub first (it may be linked with anything), then the
 * libcs. glibc: `_dl_relocate_static_pie` and `__libc_setup_tls` (csu/libc-start.c); its start files
 * carry the NT_GNU_ABI_TAG note (csu/abi-note.S, linked into rcrt1.o), which musl's and Zig's do
 * not; a stripped static libc keeps the tunables' environment variable and its fatal-error prefix
 * (elf/dl-tunables.c, sysdeps/posix/libc_fatal.c). musl: rcrt1.o's `_dlstart_c`/`_start_c` and
 * `__dls2` (ldso/dlstart.c, crt/rcrt1.c); stripped, the strings of its strerror table
 * (src/errno/__strerror.h) and printf (src/stdio/vfprintf.c). Zig 0.11: lib/std/os/linux/start_pie.zig's
 * `relocate` and lib/std/start.zig's `posixCallMainAndExit`, named by module path (Zig 0.11 builds
 * here keep the second; ReleaseSmall inlines the first); stripped, the messages of std's panic
 * handler (lib/std/debug.zig) and of the SIGPIPE handler start.zig installs before main
 * (lib/std/os.zig), which every program on std's startup carries. A Zig program linked with a libc
 * carries them too, but the libc's start files relocate it: their crti.o's `_init` gives it a
 * DT_INIT, which Zig's own startup never has, and then the strings are no evidence.
 */
const SIGNATURES: readonly Signature[] = [
  {
    family: 'piekit',
    symbols: ['pk_start_c', 'piekit_after_relocation'],
    strings: [],
    marker: { bytes: dumpMarker, evidence: 'the dump hook marker (startup/piekit.h)' },
    releases: ['spec'],
  },
  {
    family: 'glibc',
    symbols: ['_dl_relocate_static_pie', '__libc_setup_tls'],
    strings: ['GLIBC_TUNABLES', 'Fatal glibc error'],
    note: { owner: 'GNU', type: NT_GNU_ABI_TAG, name: 'NT_GNU_ABI_TAG' },
    releases: ['glibc-2.36', 'glibc-2.35'],
  },
  {
    family: 'musl',
    symbols: ['_dlstart_c', '__dls2'],
    strings: ['No error information', '-0X+0X 0X-0x+0x 0x'],
    releases: ['musl-1.2.4', 'musl-1.2.3'],
  },
  {
    family: 'zig',
    symbols: [],
    symbolParts: ['start_pie.relocate', 'start.posixCallMainAndExit'],
    strings: ['failed to install noop SIGPIPE handler', 'Panicked during a panic. Aborting.'],
    stringsUnless: hasInitFunction,
    releases: ['zig-0.11'],
  },
];

/**
 * glibc's version banner ("ldconfig (Debian GLIBC 2.36-9+deb12u14) 2.36", csu/version.c's "GNU C
 * Library ... release version 2.36"): the release is what the static libc's relocator is.
 */
const VERSION_PATTERNS: Partial<Record<RuntimeFamily, readonly RegExp[]>> = {
  glibc: [/GLIBC (2\.\d+)/, /GNU C Library[^\n\0]*version (2\.\d+)/],
};

/**
 * The runtime a file carries, from its symbols, its notes and the strings of its loaded data;
 * `symbols` when the caller has the file's symbol table already.
 */
export function carriedRuntime(elf: ElfFile, symbols: SymbolTable = new SymbolTable(elf)): CarriedRuntime {
  const present = literalsPresent(elf);
  const notes = noteKeys(elf);
  for (const signature of SIGNATURES) {
    const evidence = [
      ...signature.symbols.filter((name) => symbols.has(name)).map((name) => `symbol ${name}`),
      ...(signature.symbolParts === undefined ? [] : partsFound(symbols, signature.symbolParts)),
      ...(signature.note !== undefined && notes.has(`${signature.note.owner}/${signature.note.type}`) ? [`note ${signature.note.name}`] : []),
      ...(signature.marker !== undefined && present.has(latin1(signature.marker.bytes())) ? [signature.marker.evidence] : []),
      ...(signature.stringsUnless?.(elf) === true ? [] : signature.strings).filter((text) => present.has(text)).map((text) => `string "${text}"`),
    ];
    if (evidence.length === 0) continue;
    const version = versionOf(signature.family, elf);
    const supported = signature.releases.filter((name) => supports(name, elf));
    const judgedBy = version === null ? supported.slice(0, 1) : [releaseFor(signature.family, version, supported)];
    return {
      family: signature.family,
      version,
      evidence: version === null ? evidence : [...evidence, `version string ${version}`],
      judgedBy: judgedBy.filter((name): name is RuntimeName => name !== undefined),
      otherReleases: version === null ? supported.slice(1) : [],
    };
  }
  return { family: 'unknown', version: null, evidence: [], judgedBy: [], otherReleases: [] };
}

/** DT_INIT: a libc's start files (crti.o's `_init`) are linked in. A dynamic array piekit cannot read has none. */
function hasInitFunction(elf: ElfFile): boolean {
  try {
    return readDynamic(elf.reader, elf.addressMap, findDynamicHeader(elf.programHeaders)).entries.some((entry) => entry.tag === DT_INIT);
  } catch (error) {
    if (error instanceof ElfError) return false;
    throw error;
  }
}

function supports(name: RuntimeName, elf: ElfFile): boolean {
  const { architectures } = runtime(name);
  return architectures === 'all' || architectures.includes(elf.arch.name);
}

function partsFound(symbols: SymbolTable, parts: readonly string[]): string[] {
  if (!parts.some((part) => symbols.mentions(part))) return [];
  for (const name of symbols.names()) {
    if (parts.some((part) => name.includes(part))) return [`symbol ${name}`];
  }
  return [];
}

/** The newest modelled release not newer than the version the file names (releases are newest first). */
function releaseFor(family: RuntimeFamily, version: string, releases: readonly RuntimeName[]): RuntimeName | undefined {
  const asNumber = (text: string): number => {
    const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
    return major * 1e6 + minor * 1e3 + patch;
  };
  const wanted = asNumber(version);
  return releases.find((name) => asNumber(name.slice(family.length + 1)) <= wanted) ?? releases.at(-1);
}

function versionOf(family: RuntimeFamily, elf: ElfFile): string | null {
  const patterns = VERSION_PATTERNS[family] ?? [];
  if (patterns.length === 0) return null;
  const texts = constantDataRanges(elf).map(([from, to]) => {
    const start = elf.reader.range(from, to - from, 'constant data');
    return latin1(elf.bytes.subarray(start, start + to - from));
  });
  for (const pattern of patterns) {
    for (const text of texts) {
      const match = pattern.exec(text);
      if (match?.[1] !== undefined) return match[1];
    }
  }
  return null;
}

/** Every signature's strings and markers the file's constant data holds, found in one pass over it. */
function literalsPresent(elf: ElfFile): Set<string> {
  const literals = SIGNATURES.flatMap((signature) => [
    ...(signature.marker === undefined ? [] : [signature.marker.bytes()]),
    ...signature.strings.map((text) => Buffer.from(text, 'latin1')),
  ]);
  const found = inConstantData(elf, literals);
  return new Set(literals.filter((_, index) => found[index]).map(latin1));
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** `owner/type` of every note in the PT_NOTE segments (gABI "Note Section": namesz, descsz, type, name, desc, 4-byte aligned). */
function noteKeys(elf: ElfFile): Set<string> {
  const keys = new Set<string>();
  const { reader } = elf;
  for (const header of elf.programHeaders) {
    if (header.type !== PT_NOTE || header.filesz === 0n || header.offset + header.filesz > BigInt(elf.bytes.length)) continue;
    const start = reader.range(header.offset, header.filesz, `PT_NOTE ${header.index}`);
    const end = start + Number(header.filesz);
    const align = header.align === 8n ? 8 : 4;
    const up = (value: number): number => Math.ceil(value / align) * align;
    for (let at = start; at + 12 <= end; ) {
      const nameSize = reader.u32(at);
      const descSize = reader.u32(at + 4);
      const type = reader.u32(at + 8);
      const nameEnd = at + 12 + nameSize;
      if (nameEnd > end) break;
      const owner = Buffer.from(elf.bytes.subarray(at + 12, nameEnd))
        .toString('latin1')
        .replace(/\0+$/, '');
      keys.add(`${owner}/${type}`);
      at = up(nameEnd) + up(descSize);
    }
  }
  return keys;
}
