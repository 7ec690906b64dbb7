// Bundles the browser app (src/web/app, preact + @preact/signals) with
// esbuild into dist/web/public: index.html, app.js, app.css. Run by
// `npm run build` after tsc; `--watch` rebuilds on change.
import { copyFile, mkdir } from "node:fs/promises";
import { build, context } from "esbuild";

const outdir = "dist/web/public";
await mkdir(outdir, { recursive: true });
const options = {
  entryPoints: { app: "src/web/app/main.tsx" },
  bundle: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  outdir,
  minify: true,
  sourcemap: "linked",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
};
await copyFile("src/web/app/index.html", `${outdir}/index.html`);
await copyFile("src/web/app/app.css", `${outdir}/app.css`);
if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}
