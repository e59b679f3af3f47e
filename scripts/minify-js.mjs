// Trunk post-build hook (Trunk.toml): minifies wasm-bindgen's JavaScript glue in release builds
// with terser (package.json, installed by scripts/setup.sh). The glue is mostly JSDoc and long
// local names: 57 KB -> 25 KB raw, 10.6 -> 7.5 KB gzipped. Export names, and the property names
// the wasm module imports by, are kept (terser renames only locals), so www/pages/api.html and
// any page importing the module see the same API. Debug builds are left readable.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('minify-js: TRUNK_STAGING_DIR is not set; this runs as a Trunk hook');
  process.exit(2);
}
if (process.env.TRUNK_PROFILE !== 'release') {
  process.exit(0);
}
let minify;
try {
  ({ minify } = await import('terser'));
} catch {
  console.error('minify-js: terser is missing; run `bash scripts/setup.sh serve` (npm ci)');
  process.exit(1);
}
const file = join(staging, 'consensus-playground.js');
const source = await readFile(file, 'utf8');
const out = await minify(source, { module: true, compress: true, mangle: true, format: { comments: false } });
await writeFile(file, out.code);
console.log(`minify-js: ${file}: ${source.length} -> ${out.code.length} bytes`);
