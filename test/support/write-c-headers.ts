/** `npm run headers`: writes the C headers generated from their TypeScript declarations (c-headers.ts). */
import { writeFileSync } from 'node:fs';
import { generatedHeaders } from './c-headers.js';

for (const { path, text } of generatedHeaders()) {
  writeFileSync(path, text);
  console.log(`${path}: written`);
}
