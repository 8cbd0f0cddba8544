import {
  AT_BASE,
  AT_ENTRY,
  AT_EXECFN,
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  AT_RANDOM,
  type ElfFile,
  hex,
  PF_R,
  PF_W,
  PF_X,
  PT_LOAD,
} from '../../elf/index.js';
import { checkLoaderBase, isRefusal, type LoaderRefusal, validateForLoader } from './validation.js';

/** The auxv entries the loader sets itself (native/loader/stack.c); it passes on every other one from its own. */
const LOADER_AUXV = { AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_ENTRY, AT_RANDOM, AT_EXECFN } as const;
type LoaderAuxv = keyof typeof LOADER_AUXV;

export interface MappedSegment {
  readonly start: bigint;
  readonly end: bigint;
  readonly protection: string;
  readonly fileBytes: bigint;
}

/** What the loader will do for a file at a base: the mapping and the stack's fixed part. */
export interface LoadModel {
  readonly base: bigint;
  readonly span: { readonly start: bigint; readonly end: bigint };
  readonly segments: readonly MappedSegment[];
  readonly entry: bigint;
  readonly argv: readonly string[];
  readonly environmentCount: number;
  /** The entries with the values the loader computes; AT_RANDOM and AT_EXECFN point into the new stack. */
  readonly auxv: readonly { readonly name: string; readonly type: number; readonly value: bigint | 'stack' }[];
}

/**
 * The TypeScript model of native/loader: the same validation outcome (a refusal with the loader's
 * status and line), mapping and auxv.
 */
export function modelLoad(elf: ElfFile, base: bigint, argv: readonly string[], environmentCount: number): LoadModel | LoaderRefusal {
  const image = validateForLoader(elf);
  if (isRefusal(image)) return image;
  const refusal = checkLoaderBase(elf, image, base);
  if (refusal !== undefined) return refusal;
  const page = elf.arch.pageSize;
  const pageDown = (value: bigint): bigint => value & ~(page - 1n);
  const pageUp = (value: bigint): bigint => (value + page - 1n) & ~(page - 1n);
  const headers = elf.programHeaders;
  const loads = headers.filter((header) => header.type === PT_LOAD);
  const auxv: Readonly<Record<LoaderAuxv, bigint | 'stack'>> = {
    AT_PHDR: base + image.phdr,
    AT_PHENT: BigInt(elf.header.phentsize),
    AT_PHNUM: BigInt(headers.length),
    AT_BASE: 0n,
    AT_ENTRY: base + elf.header.entry,
    AT_RANDOM: 'stack',
    AT_EXECFN: 'stack',
  };
  const protection = (flags: number): string => `${flags & PF_R ? 'r' : '-'}${flags & PF_W ? 'w' : '-'}${flags & PF_X ? 'x' : '-'}`;
  return {
    base,
    span: { start: base + image.low, end: base + image.high },
    segments: loads.map((load) => ({
      start: pageDown(base + load.vaddr),
      end: pageUp(base + load.vaddr + load.memsz),
      protection: protection(load.flags),
      fileBytes: load.filesz,
    })),
    entry: base + elf.header.entry,
    argv,
    environmentCount,
    auxv: (Object.keys(LOADER_AUXV) as LoaderAuxv[]).map((name) => ({ name, type: LOADER_AUXV[name], value: auxv[name] })),
  };
}

export function describeModel(model: LoadModel): string {
  const lines = [`base ${hex(model.base)}, span ${hex(model.span.start)}..${hex(model.span.end)} (one reservation), entry ${hex(model.entry)}`];
  for (const segment of model.segments) {
    lines.push(`  map ${hex(segment.start)}..${hex(segment.end)} ${segment.protection} (${segment.fileBytes} bytes from the file, zeros after)`);
  }
  lines.push(`stack: argc ${model.argv.length}, argv ${JSON.stringify(model.argv)}, ${model.environmentCount} environment strings`);
  for (const entry of model.auxv) lines.push(`  ${entry.name} = ${entry.value === 'stack' ? 'on the new stack' : hex(entry.value)}`);
  lines.push("  and every other entry of the loader's own auxv (AT_PAGESZ, AT_UID..AT_EGID, AT_HWCAP, AT_SYSINFO_EHDR, ...)");
  return `${lines.join('\n')}\n`;
}
