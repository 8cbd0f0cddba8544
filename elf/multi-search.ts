/**
 * Marks in `found` the patterns (not marked yet) that occur in `bytes`, in one pass over them:
 * Wu and Manber's multi-pattern search ("A fast algorithm for multi-pattern searching", 1994) with
 * blocks of two bytes. The window is as long as the shortest pattern; its last block says how far
 * the window may move on without passing an occurrence of any pattern's first bytes. A library's
 * 44 MB of constant data searched for seven strings this way takes half the time of seven calls of
 * Buffer.includes. Patterns shorter than a block are searched for by Buffer.includes.
 */
export function markFound(bytes: Uint8Array, patterns: readonly Uint8Array[], found: boolean[]): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const long: number[] = [];
  patterns.forEach((pattern, index) => {
    if (found[index] === true) return;
    if (pattern.length >= BLOCK) long.push(index);
    else if (text.includes(Buffer.from(pattern.buffer, pattern.byteOffset, pattern.length))) found[index] = true;
  });
  if (long.length === 0) return;
  const window = Math.min(...long.map((index) => (patterns[index] as Uint8Array).length));
  // How far the window may move when its last block is a given one: from where the block stands
  // in the first `window` bytes of a pattern to the window's end, or past it where it stands in none.
  const shifts = new Uint8Array(1 << 16).fill(Math.min(window - BLOCK + 1, 255));
  // The patterns whose first `window` bytes end in a given block: the ones to compare there.
  const endingIn = new Map<number, number[]>();
  for (const index of long) {
    const pattern = patterns[index] as Uint8Array;
    for (let at = Math.max(0, window - BLOCK - 254); at + BLOCK <= window; at++) {
      const block = blockAt(pattern, at);
      const shift = window - BLOCK - at;
      if (shift < (shifts[block] as number)) shifts[block] = shift;
    }
    const last = blockAt(pattern, window - BLOCK);
    const list = endingIn.get(last);
    if (list === undefined) endingIn.set(last, [index]);
    else list.push(index);
  }
  for (let end = window - BLOCK; end + BLOCK <= bytes.length; ) {
    const block = blockAt(bytes, end);
    const shift = shifts[block] as number;
    if (shift > 0) {
      end += shift;
      continue;
    }
    const start = end + BLOCK - window;
    for (const index of endingIn.get(block) as number[]) {
      if (found[index] !== true && occursAt(bytes, start, patterns[index] as Uint8Array)) found[index] = true;
    }
    end += 1;
  }
}

const BLOCK = 2;

function blockAt(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

function occursAt(bytes: Uint8Array, start: number, pattern: Uint8Array): boolean {
  if (start + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[start + i] !== pattern[i]) return false;
  return true;
}
