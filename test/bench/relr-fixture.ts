import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A static-PIE whose one table holds `count` pointers, linked by lld into RELR. Mostly dense runs
 * (bitmaps) broken by gaps longer than a bitmap covers (address entries). Cached by count.
 */
export function relrFixture(cacheDir: string, count: number): string {
  const output = join(cacheDir, `relr-${count}`);
  if (existsSync(output)) return output;
  mkdirSync(cacheDir, { recursive: true });
  const source = join(cacheDir, `relr-${count}.c`);
  const lines = ['static char target[4096];', `void *table[${count + Math.floor(count / 500) * 80}] = {`];
  for (let i = 0, slot = 0; i < count; i++, slot++) {
    if (i > 0 && i % 500 === 0) {
      lines.push(`[${slot + 80}] = target + ${i % 4096},`);
      slot += 80;
    } else {
      lines.push(`target + ${i % 4096},`);
    }
  }
  lines.push('};', 'void _start(void) { for (;;) { } }', '');
  writeFileSync(source, lines.join('\n'));
  const result = spawnSync(
    'clang-19',
    ['-O0', '-fPIE', '-static-pie', '-nostdlib', '-fuse-ld=lld', '-Wl,--pack-dyn-relocs=relr', '-o', output, source],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`clang-19 could not build ${output} (status ${result.status})`);
  return output;
}
