/**
 * Converting relative relocations between REL/RELA and RELR after linking: pack, unpack, the
 * equivalence proof both run on their result, and the pieces they share.
 */

export { encodeInfo, relativeInfo } from '../../elf/index.js';
export { type CarriedJudgement, describeJudgement } from './carried-check.js';
export { type Conversion, type TableSize, tableSizes, totalBytes } from './conversion.js';
export { PROOF_BASES, type Proof, proveEquivalent } from './equivalence.js';
export type { ConvertErrorCode } from './errors.js';
export { type CheckedConversion, type ConvertFileOptions, convertFile, convertFileWhileCopying } from './files.js';
export { modeOf, writeAtomically } from './output.js';
export { pack } from './pack.js';
export { PatchedFile } from './patched-file.js';
export { conversionJson, renderConversion } from './report.js';
export { type UnpackOptions, unpack } from './unpack.js';
