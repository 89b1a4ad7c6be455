// Bundles the explorer page (web/src/main.ts, which imports the library from src/) into web-dist/: app.js, index.html, style.css.
// No CDN, no network: the folder works offline from any static server (web/serve.mjs adds the cross-origin-isolation headers).
//
// The library now has a WebAssembly backend with worker threads. It reaches Node builtins only at run time through
// process.getBuiltinModule (absent in browsers, so it runs single-threaded there), but to keep the browser bundle
// building whatever it imports next, this build:
//   - targets platform "browser";
//   - resolves every Node builtin (node:* and bare names such as worker_threads, os) to an empty CommonJS stub, so a
//     static `import { Worker } from "node:worker_threads"` bundles and yields undefined instead of breaking the build;
//   - stubs src/backends/wasm/kernels-wasm.generated.ts (written by `npm run build:wasm`) when it has not been generated,
//     with a module that throws only if a wasm kernel is actually called (the page's small examples stay in JS).
import * as esbuild from "esbuild";
import { builtinModules } from "node:module";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, "..");
export const OUTDIR = join(ROOT, "web-dist");

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** @type {(log: string[]) => import("esbuild").Plugin} */
const nodeStubs = (log) => ({
  name: "node-builtin-stubs",
  setup(build) {
    // the examples the train panel shares with `npm run demo:dcgan` import the package by name: bundle src/, once
    build.onResolve({ filter: /^tconv$/ }, () => ({ path: join(ROOT, "src", "index.ts") }));
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!builtins.has(args.path) && !args.path.startsWith("node:")) return undefined;
      log.push(`${args.path} (from ${args.importer.replace(ROOT + "/", "")})`);
      return { path: args.path, namespace: "node-stub" };
    });
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
      contents: `// ${args.path} is not available in the browser\nmodule.exports = {};\n`,
      loader: "js",
    }));
    build.onResolve({ filter: /kernels-wasm\.generated(\.js)?$/ }, (args) => {
      const ts = join(args.resolveDir, "kernels-wasm.generated.ts");
      if (existsSync(ts)) return undefined;
      log.push(`${args.path} (not generated: run npm run build:wasm for the wasm kernels)`);
      return { path: ts, namespace: "wasm-stub" };
    });
    build.onLoad({ filter: /.*/, namespace: "wasm-stub" }, () => ({
      contents: `// not generated: instantiating the wasm kernels fails; the JS kernels work\nexport const kernelsWasmBytes = "";\nexport const kernelsRelaxedWasmBytes = "";\nexport const kernelsWasmSharedFlagAt = 0;\nexport const kernelsRelaxedWasmSharedFlagAt = 0;\n`,
      loader: "js",
    }));
  },
});

/**
 * Builds web-dist/ and returns its path. Messages go to stderr (serve.mjs prints its URL as the first stdout line).
 * @param {{ outdir?: string, minify?: boolean, quiet?: boolean }} [options]
 */
export async function buildWeb({ outdir = OUTDIR, minify = true, quiet = false } = {}) {
  const started = Date.now();
  const stubbed = [];
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(here, "src", "main.ts")],
    outfile: join(outdir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome100", "firefox100", "safari15"],
    minify,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    plugins: [nodeStubs(stubbed)],
  });
  await copyFile(join(here, "index.html"), join(outdir, "index.html"));
  await copyFile(join(here, "style.css"), join(outdir, "style.css"));
  const bytes = (await stat(join(outdir, "app.js"))).size;
  if (!quiet) {
    const uniq = [...new Set(stubbed)];
    process.stderr.write(
      `web/build: ${outdir.replace(ROOT + "/", "")}/app.js ${(bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms` +
        (uniq.length ? `; stubbed for the browser: ${uniq.join(", ")}` : "") +
        "\n",
    );
  }
  return { outdir, bytes, stubbed: [...new Set(stubbed)], warnings: result.warnings };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildWeb().catch((e) => {
    process.stderr.write(`web/build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
