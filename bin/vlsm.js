#!/usr/bin/env node
// vlsm command line. The TypeScript sources compile to dist/ (npm install runs the build).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error(`vlsm: ${main} is missing; run \`npm install\` (or \`npm run build\`) in the vlsm folder first.`);
  process.exit(1);
}
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
