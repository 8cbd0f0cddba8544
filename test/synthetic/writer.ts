/**
 * A small writer of synthetic static-PIEs, for architectures and layouts no toolchain here makes.
 * Layout (link-time address = file offset): one read-only PT_LOAD at 0 holding the ELF header, the
 * program headers, the dynamic section and the tables; one writable PT_LOAD at DATA holding the
 * data words, then a zero tail (p_memsz > p_filesz). No section headers, as a stripped static-PIE.
 */
import type { Arch } from 'piekit/elf';

export const DATA = 0x10000n;

/** One REL or RELA entry; `type` for mips64 is the stacked `r_type | r_type2 << 8 | r_type3 << 16`. */
export interface Entry {
  readonly offset: bigint;
  readonly symbol: number;
  readonly type: number;
  readonly addend?: bigint;
}

export interface Synthetic {
  readonly arch: Arch;
  readonly data: readonly bigint[];
  readonly bssWords: number;
  readonly rel?: readonly Entry[];
  readonly rela?: readonly Entry[];
  readonly relr?: readonly bigint[];
  /** MIPS: DT_PLTGOT and DT_MIPS_LOCAL_GOTNO. */
  readonly localGot?: { readonly vaddr: bigint; readonly count: number };
  /** Extra dynamic entries, written before the table tags (a later duplicate wins). */
  readonly extraDynamic?: readonly (readonly [bigint, bigint])[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;

export function writeSynthetic(spec: Synthetic): Uint8Array {
  const { arch } = spec;
  const w = arch.wordSize;
  const little = arch.endian === 'little';
  const ehsize = w === 8 ? 64 : 52;
  const phentsize = w === 8 ? 56 : 32;
  const phoff = ehsize;
  const dynamicAt = phoff + 3 * phentsize;

  const dynamic: [bigint, bigint][] = [...(spec.extraDynamic ?? []).map(([tag, value]) => [tag, value] as [bigint, bigint])];
  const tablesAt = dynamicAt + 32 * 2 * w;
  let at = tablesAt;
  const place = (entries: number, entrySize: number): number => {
    const start = at;
    at += entries * entrySize;
    return start;
  };
  const relAt = spec.rel === undefined ? 0 : place(spec.rel.length, 2 * w);
  const relaAt = spec.rela === undefined ? 0 : place(spec.rela.length, 3 * w);
  const relrAt = spec.relr === undefined ? 0 : place(spec.relr.length, w);
  if (spec.rel !== undefined) dynamic.push([17n, BigInt(relAt)], [18n, BigInt(spec.rel.length * 2 * w)], [19n, BigInt(2 * w)]);
  if (spec.rela !== undefined) dynamic.push([7n, BigInt(relaAt)], [8n, BigInt(spec.rela.length * 3 * w)], [9n, BigInt(3 * w)]);
  if (spec.relr !== undefined) dynamic.push([36n, BigInt(relrAt)], [35n, BigInt(spec.relr.length * w)], [37n, BigInt(w)]);
  if (spec.localGot !== undefined) dynamic.push([3n, spec.localGot.vaddr], [0x7000000an, BigInt(spec.localGot.count)]);
  dynamic.push([0n, 0n]);
  if (dynamic.length > 32) throw new Error('too many dynamic entries for the synthetic layout');
  const textEnd = at;
  const dataAt = Number(DATA);
  const bytes = new Uint8Array(dataAt + spec.data.length * w);
  const view = new DataView(bytes.buffer);
  const word = (offset: number, value: bigint): void => {
    if (w === 8) view.setBigUint64(offset, BigInt.asUintN(64, value), little);
    else view.setUint32(offset, Number(BigInt.asUintN(32, value)), little);
  };

  // e_ident, then the header fields whose offsets depend on the class.
  bytes.set([0x7f, 0x45, 0x4c, 0x46, w === 8 ? 2 : 1, little ? 1 : 2, 1]);
  view.setUint16(16, 3, little); // ET_DYN
  view.setUint16(18, arch.machine, little);
  view.setUint32(20, 1, little);
  const entry = arch.name.startsWith('thumb') ? BigInt(textEnd) | 1n : BigInt(textEnd);
  word(24, entry);
  word(24 + w, BigInt(phoff));
  word(24 + 2 * w, 0n); // e_shoff
  const after = 24 + 3 * w;
  view.setUint32(after, 0, little); // e_flags
  view.setUint16(after + 4, ehsize, little);
  view.setUint16(after + 6, phentsize, little);
  view.setUint16(after + 8, 3, little);
  view.setUint16(after + 10, w === 8 ? 64 : 40, little);

  const phdr = (index: number, type: number, flags: number, offset: number, vaddr: bigint, filesz: number, memsz: number): void => {
    const base = phoff + index * phentsize;
    view.setUint32(base, type, little);
    if (w === 8) {
      view.setUint32(base + 4, flags, little);
      [BigInt(offset), vaddr, vaddr, BigInt(filesz), BigInt(memsz), 0x1000n].forEach((value, i) => word(base + 8 + 8 * i, value));
    } else {
      [BigInt(offset), vaddr, vaddr, BigInt(filesz), BigInt(memsz)].forEach((value, i) => word(base + 4 + 4 * i, value));
      view.setUint32(base + 24, flags, little);
      view.setUint32(base + 28, 0x1000, little);
    }
  };
  phdr(0, PT_LOAD, 4, 0, 0n, textEnd, textEnd);
  phdr(1, PT_LOAD, 6, dataAt, DATA, spec.data.length * w, (spec.data.length + spec.bssWords) * w);
  phdr(2, PT_DYNAMIC, 4, dynamicAt, BigInt(dynamicAt), dynamic.length * 2 * w, dynamic.length * 2 * w);

  dynamic.forEach(([tag, value], i) => {
    word(dynamicAt + 2 * w * i, tag);
    word(dynamicAt + 2 * w * i + w, value);
  });
  const info = (offset: number, entry: Entry): void => writeInfo(view, offset, arch, entry, little);
  spec.rel?.forEach((entry, i) => {
    word(relAt + 2 * w * i, entry.offset);
    info(relAt + 2 * w * i + w, entry);
  });
  spec.rela?.forEach((entry, i) => {
    word(relaAt + 3 * w * i, entry.offset);
    info(relaAt + 3 * w * i + w, entry);
    word(relaAt + 3 * w * i + 2 * w, entry.addend ?? 0n);
  });
  spec.relr?.forEach((value, i) => word(relrAt + w * i, value));
  spec.data.forEach((value, i) => word(dataAt + w * i, value));
  return bytes;
}

/**
 * r_info per layout: ELF32 `sym << 8 | type`; ELF64 `sym << 32 | type`; SPARC64 `sym << 32 |
 * type`, type data 0; mips64 the bytes r_sym (4, file order), r_ssym, r_type3, r_type2, r_type.
 */
function writeInfo(view: DataView, offset: number, arch: Arch, entry: Entry, little: boolean): void {
  if (arch.wordSize === 4) {
    view.setUint32(offset, ((entry.symbol << 8) | (entry.type & 0xff)) >>> 0, little);
  } else if (arch.infoLayout === 'mips64') {
    view.setUint32(offset, entry.symbol, little);
    view.setUint8(offset + 4, 0);
    view.setUint8(offset + 5, (entry.type >>> 16) & 0xff);
    view.setUint8(offset + 6, (entry.type >>> 8) & 0xff);
    view.setUint8(offset + 7, entry.type & 0xff);
  } else {
    view.setBigUint64(offset, (BigInt(entry.symbol) << 32n) | BigInt(entry.type >>> 0), little);
  }
}
