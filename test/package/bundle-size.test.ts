// The size of a deconvolution-only web page (issue 23): esbuild bundles of dist/ built by scripts/bundle-size.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

interface PageSize {
  minified: number;
  gzip: number;
  lazy: { minified: number; gzip: number };
  firstLoadInputs: string[];
}

const measure = (): { oneFile: PageSize; splitting: PageSize } =>
  JSON.parse(execFileSync(process.execPath, ["scripts/bundle-size.mjs", "--json"], { encoding: "utf8", maxBuffer: 1 << 26 }));

// Limits: the sizes reached in this round plus ~1.5 KB. Issue 23's target, under 40 KB gzip without ONNX, is NOT met:
// before this round the page was 366.8 KB minified / 86.3 KB gzip in one file. The rest is the np/npx namespace objects
// and NDArray's installed methods, which keep every op, kernel and gradient rule (docs/guide-web.md, "Bundle size").
const FIRST_LOAD_GZIP_LIMIT = 68_500;
const ONE_FILE_GZIP_LIMIT = 86_000;

test("a deconvolution-only page's first load (esbuild --splitting) is under 68.5 KB gzip and holds no WebGPU backend; one file under 86 KB (the 40 KB target is not met)", () => {
  const { oneFile, splitting } = measure();
  const sizes = `first load ${splitting.gzip} B gzip (${splitting.minified} minified), one file ${oneFile.gzip} B gzip (${oneFile.minified} minified)`;
  assert.ok(splitting.gzip <= FIRST_LOAD_GZIP_LIMIT, `the first load grew past ${FIRST_LOAD_GZIP_LIMIT} B gzip: ${sizes}`);
  assert.ok(oneFile.gzip <= ONE_FILE_GZIP_LIMIT, `the one-file page grew past ${ONE_FILE_GZIP_LIMIT} B gzip: ${sizes}`);
  // npx.initGpu loads the GPU backend with import(): with splitting it is a chunk of its own, fetched only then
  assert.deepEqual(
    splitting.firstLoadInputs.filter((f) => f.startsWith("dist/backends/webgpu/") && !/\/(device|buffer-pool)\.js$/.test(f)),
    [],
  );
  assert.ok(splitting.lazy.gzip > 5000, `expected the WebGPU backend in a lazy chunk: ${JSON.stringify(splitting.lazy)}`);
  // the one-file bundle has no chunks: esbuild inlines what import() loads
  assert.ok(oneFile.firstLoadInputs.includes("dist/backends/webgpu/backend.js"));
});
