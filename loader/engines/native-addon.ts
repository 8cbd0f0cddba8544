import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PiekitError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import type { NativeAddon } from './native-surface.js';

let addon: NativeAddon | undefined;

/**
 * The addon `npm install` builds where cmake and a C compiler exist, loaded once. Without it only
 * the TypeScript engine runs; asking for the native one names the command that builds it.
 */
export function nativeAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  const path = join(packageRoot(), 'native', 'build', 'Release', 'piekit_native.node');
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new PiekitError(
      'ENVIRONMENT',
      `the native engine is not built (${reason}); build it with cmake and a C compiler installed: npm run build:native`,
    );
  }
  return addon;
}
