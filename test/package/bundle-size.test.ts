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

interface ViteAsset {
  file: string;
  minified: number;
  gzip: number;
  firstLoad: boolean;
}

const measure = (): { oneFile: PageSize; splitting: PageSize; vite: ViteAsset[] } =>
  JSON.parse(execFileSync(process.execPath, ["scripts/bundle-size.mjs", "--json", "--vite"], { encoding: "utf8", maxBuffer: 1 << 26 }));

// Limits: the sizes reached in this round plus ~1.5 KB. Issue 23's target, under 40 KB gzip without ONNX, is NOT met:
// before this round the page was 368.0 KB minified / 86.8 KB gzip in one esbuild file (83.8 KB with Vite). NDArray's
// installed methods keep every op, gradient rule and CPU kernel, and esbuild does not tree-shake the np/npx namespaces
// (docs/guide-web.md, "Bundle size").
const VITE_FIRST_LOAD_GZIP_LIMIT = 53_500;
const FIRST_LOAD_GZIP_LIMIT = 69_000;
const ONE_FILE_GZIP_LIMIT = 86_500;

test("a deconvolution-only page's first load is under 53.5 KB gzip with Vite and 69 KB with esbuild --splitting, without the WebGPU backend; one esbuild file under 86.5 KB (the 40 KB target is not met)", () => {
  const { oneFile, splitting, vite } = measure();
  const viteFirst = vite.filter((f) => f.firstLoad);
  const viteSizes = vite.map((f) => `${f.file} ${f.gzip} B gzip${f.firstLoad ? " (first load)" : ""}`).join(", ");
  assert.equal(viteFirst.length, 1, viteSizes);
  // np and npx are module namespaces: Vite keeps only the members a page uses (it was 64.4 KB with them as objects)
  assert.ok(viteFirst[0]!.gzip <= VITE_FIRST_LOAD_GZIP_LIMIT, `the Vite first load grew past ${VITE_FIRST_LOAD_GZIP_LIMIT} B gzip: ${viteSizes}`);
  assert.ok(
    vite.some((f) => !f.firstLoad && f.gzip > 5000),
    `expected the WebGPU backend in a lazy Vite chunk: ${viteSizes}`,
  );
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
