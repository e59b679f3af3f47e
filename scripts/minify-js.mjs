// Trunk post-build hook (Trunk.toml): shrinks a release build's glue between the wasm module and
// JavaScript. Debug builds are left readable.
//
// 1. The names the two sides use for each other. wasm-bindgen names each of the ~190 functions the
//    module imports `__wbg_<method>_<16 hex digits>`, under the module name
//    "./consensus-playground_bg.js", and the module's ~35 exports by their Rust names; each name
//    is written in both files, and the hex digits do not compress. `wasm-opt
//    --minify-imports-and-exports-and-modules` renames them all to one or two letters and prints
//    the renaming, which is applied here to the glue (its import object's keys and its `wasm.<name>`
//    uses of exports). Every name is checked to be found where expected, and every export the
//    glue still uses to have been renamed, or the build fails: the glue can never be left calling
//    a name the module no longer has. -4.5 KB gzipped of wasm and -2.8 KB of JS (2026-12-06).
//    `-Os` again, so that binaryen writes its optimised stack IR (without an optimisation level
//    it writes ~1 KB more); Trunk's own wasm-opt run (index.html) did the optimising.
// 2. terser minifies the glue (package.json, installed by scripts/setup.sh): it is mostly JSDoc and
//    long local names (59 KB raw; 18 KB after both steps). Export names of the JS module are kept
//    (terser renames only locals), so www/pages/api.html and any page importing the module see the
//    same API.
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
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
const fail = (message) => {
  console.error(`minify-js: ${message}`);
  process.exit(1);
};

const wasmFile = join(staging, 'consensus-playground_bg.wasm');
const file = join(staging, 'consensus-playground.js');
let source = await readFile(file, 'utf8');
const rawWasmBytes = (await stat(wasmFile)).size;

let renaming;
try {
  const printed = execFileSync('wasm-opt', ['-Os', '--minify-imports-and-exports-and-modules', wasmFile, '-o', wasmFile], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  renaming = JSON.parse(printed);
} catch (e) {
  fail(`wasm-opt --minify-imports-and-exports-and-modules failed (run bash scripts/setup.sh serve): ${e.message}`);
}

/** The module names a wasm binary imports from (its import section). */
function importModules(bytes) {
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const name = () => {
    const length = leb();
    at += length;
    return new TextDecoder().decode(bytes.subarray(at - length, at));
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      const modules = new Set();
      for (let count = leb(); count > 0; count--) {
        modules.add(name());
        name();
        const kind = bytes[at++];
        if (kind === 0) leb(); // a function: its type
        else if (kind === 1) { at++; const flags = leb(); leb(); if (flags & 1) leb(); } // a table
        else if (kind === 2) { const flags = leb(); leb(); if (flags & 1) leb(); } // a memory
        else if (kind === 3) at += 2; // a global: type and mutability
        else fail(`import of unknown kind ${kind}`);
      }
      return [...modules];
    }
    at = end;
  }
  return [];
}

// A name as a whole token: not inside a longer name (names hold letters, digits, `_` and `$`).
const tokenPattern = (name) => new RegExp(`(?<![\\w$])${name.replace(/[.$]/g, '\\$&')}(?![\\w$])`, 'g');

// The module name: one before, one after.
const oldModules = [...new Set(renaming.imports.map(([module]) => module))];
const minified = await readFile(wasmFile);
const newModules = importModules(minified);
if (oldModules.length !== 1 || newModules.length !== 1) {
  fail(`expected the glue's one import module, found ${JSON.stringify(oldModules)} -> ${JSON.stringify(newModules)}`);
}
const moduleKey = JSON.stringify(oldModules[0]);
if (source.split(moduleKey).length !== 2) fail(`the import module ${moduleKey} is not named once in the glue`);
source = source.replace(moduleKey, () => JSON.stringify(newModules[0]));

// Imports: each a key of the import object, named once.
for (const [, before, after] of renaming.imports) {
  const found = source.match(tokenPattern(before))?.length ?? 0;
  if (found !== 1) fail(`import ${before} is named ${found} times in the glue, not once`);
  source = source.replace(tokenPattern(before), () => after);
}

// Exports: used by the glue as `wasm.<name>`.
const renamedExports = new Set();
for (const [before, after] of renaming.exports) {
  source = source.replace(tokenPattern(`wasm.${before}`), () => `wasm.${after}`);
  renamedExports.add(after);
}
const unrenamed = [...source.matchAll(/(?<![\w$])wasm\.([\w$]+)/g)].map((m) => m[1]).filter((n) => !renamedExports.has(n));
if (unrenamed.length > 0) fail(`the glue uses exports the renaming does not cover: ${[...new Set(unrenamed)].join(', ')}`);

const out = await minify(source, { module: true, compress: true, mangle: true, format: { comments: false } });
await writeFile(file, out.code);
console.log(
  `minify-js: ${renaming.imports.length} imports and ${renaming.exports.length} exports renamed, wasm ${rawWasmBytes} -> ${minified.length} bytes; ` +
    `${file}: ${source.length} -> ${out.code.length} bytes`,
);
