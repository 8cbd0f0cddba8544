// The addon is optional: piekit's TypeScript engine does everything without it. Where cmake and a
// C compiler exist it is built as part of `npm install`; elsewhere the install goes on and
// `--engine native` says how to build it later.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const have = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = ['cmake', 'cc', 'c++'].filter((command) => !have(command));
if (missing.length > 0) {
  console.log(`piekit: native engine not built (${missing.join(', ')} not found); the TypeScript engine works without it`);
  process.exit(0);
}
// cmake-js may be hoisted into the installing project's node_modules: resolve it, do not assume a path.
const cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--directory', 'native', '--out', 'native/build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('piekit: the native engine failed to build; the TypeScript engine works without it (retry: npm run build:native)');
}
