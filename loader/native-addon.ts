import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NativeAddon } from './native-surface.js';
import { packageRoot } from './package-root.js';

let addon: NativeAddon | undefined;

/** The addon built by `npm install` (cmake-js), loaded once; its absence names the command that builds it. */
export function nativeAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  const path = join(packageRoot(), 'native', 'build', 'Release', 'piekit_native.node');
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    throw new Error(`the native engine is not built (${path}: ${(error as Error).message.split('\n')[0]}); build it with: npm run build:native`);
  }
  return addon;
}
