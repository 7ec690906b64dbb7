// Bundles the `walkie` command with esbuild into dist/cli/main.js (over
// tsc's file of that name) and chunks beside it: one per command, loaded
// when it runs, and shared ones. Node then reads a handful of files instead
// of some 240 modules, which halves the start-up of every command. Run by
// `npm run build` after tsc; the library (dist/index.js) stays tsc's.
//
// Dependencies are bundled too (measured faster than leaving them to Node's
// resolver), except serialport and sodium-native, whose native addons load from
// node_modules, and ws's optional native helpers. The chunks sit in
// dist/cli/ so that dist/web/public is found from them as from tsc's files
// (src/web/static-files.ts looks for ../../dist/web/public/).
import { readdir, rm } from "node:fs/promises";
import { build } from "esbuild";

const outdir = "dist/cli";
// Chunks of earlier builds: esbuild's names end in a hash, tsc's never do.
const CHUNK = /-[A-Z0-9]{8}\.js(\.map)?$/;
for (const name of await readdir(outdir).catch(() => [])) {
  if (CHUNK.test(name)) await rm(`${outdir}/${name}`);
}

await build({
  entryPoints: { main: "src/cli/main.ts" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir,
  chunkNames: "[name]-[hash]",
  external: ["serialport", "sodium-native", "bufferutil", "utf-8-validate"],
  // CommonJS dependencies (commander, ws) call require().
  banner: {
    js: 'import { createRequire as __walkieRequire } from "node:module"; const require = __walkieRequire(import.meta.url);',
  },
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
