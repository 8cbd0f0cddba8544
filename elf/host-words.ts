/** Whether this machine stores the low byte of a 32-bit word first. */
const HOST_LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The 32-bit words of `bytes` as a view, for reading and writing them in place, when the bytes are
 * 4-aligned and stored in the host's byte order; else undefined. Indexing a Uint32Array compiles
 * to one load or store; a DataView access with a byte order known only at run time, several.
 */
export function hostWordView(bytes: Uint8Array, little: boolean): Uint32Array | undefined {
  return little === HOST_LITTLE && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : undefined;
}

/**
 * The 32-bit words of `bytes` (a whole number of them) as this machine's loads see them: a view
 * over the bytes where hostWordView gives one, else a copy (byte-swapped for a file of the other
 * order). A hot loop over a 300,000-entry table spends most of its time reading them.
 */
export function hostWords(bytes: Uint8Array, little: boolean): Uint32Array {
  const view = hostWordView(bytes, little);
  if (view !== undefined) return view;
  const count = bytes.length >>> 2;
  const words = new Uint32Array(bytes.slice(0, count * 4).buffer);
  swapUnlessHostOrder(words, count, little);
  return words;
}

/**
 * Reverses the bytes of each of the first `count` words when `little` is not this machine's
 * order: words read in the file's order become the host's, and words computed in the host's
 * become the file's (the swap is its own inverse).
 */
export function swapUnlessHostOrder(words: Uint32Array, count: number, little: boolean): void {
  if (little === HOST_LITTLE) return;
  for (let i = 0; i < count; i++) {
    const word = words[i] as number;
    words[i] = ((word >>> 24) | ((word >>> 8) & 0xff00) | ((word << 8) & 0xff0000) | (word << 24)) >>> 0;
  }
}
