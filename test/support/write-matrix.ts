/**
 * `npm run matrix`: writes the architecture matrix of the last full run of
 * test/architectures.test.ts into README.md. The test suite only compares.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMatrix, savedResults, withMatrix } from './matrix.js';

const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', withMatrix(readme, renderMatrix(savedResults())));
console.log('README.md: architecture matrix written from build/matrix/results.json');
