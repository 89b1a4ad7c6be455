// Packs tconv, installs the tarball into a fresh app and type-checks (strict) and runs a forward pass there, as a user would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const root = resolve(".");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

// The book's §12.10 example: X = K = [[0, 1], [2, 3]], a 2×2 transposed convolution with stride 1 gives this.
const bookOutput = [
  [
    [
      [0, 0, 1],
      [0, 4, 6],
      [4, 12, 9],
    ],
  ],
];

const app = `import { np, nn, init, npx } from "tconv";
import { onnx } from "tconv/onnx";
declare const console: { log(...args: unknown[]): void };
const X = np.array([[0, 1], [2, 3]]).reshape(1, 1, 2, 2);
const K = np.array([[0, 1], [2, 3]]).reshape(1, 1, 2, 2);
const layer = new nn.Conv2DTranspose(1, { kernelSize: 2, useBias: false });
layer.initialize(init.Constant(K));
const y = layer.forward(X);
const z = npx.deconvolution(X, K);
const first: number | undefined = y.shape[0]; // noUncheckedIndexedAccess: an index may be undefined
const onnxBytes: Uint8Array = onnx.exportModel(layer, [[1, 1, 2, 2]]);
console.log(JSON.stringify({ layer: y.tolist(), op: z.tolist(), first, roundTrip: (onnx.importToGluon(onnxBytes).forward(X) as typeof y).tolist() }));
`;

// A browser page: with the DOM lib, toImageData's result goes straight into putImageData (no cast).
// A DOM Worker is what setWorkerUrl's function form returns (strict CSP: the self-hosted worker script).
const page = `import { np, npx, setWorkerUrl } from "tconv";
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d");
const img: ImageData = npx.image.toImageData(np.zeros([3, 2, 2]));
ctx?.putImageData(img, 0, 0);
setWorkerUrl(() => new Worker("/js/tconv-worker.js"));
setWorkerUrl(new URL("/js/tconv-worker.js", location.href));
`;

function tsconfig(lib: string[], main = "main.ts"): string {
  return JSON.stringify({
    compilerOptions: {
      target: "es2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      lib,
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      outDir: "out",
    },
    include: [main],
  });
}

function typecheck(appDir: string): void {
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: appDir, encoding: "utf8" });
  } catch (e) {
    assert.fail(`strict tsc failed in the app:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
  }
}

test("a packed tarball installs into a strict TypeScript app (with and without the DOM lib), type-checks and runs the book's transposed convolution", () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-app-"));
  try {
    const packDir = join(dir, "pack");
    mkdirSync(packDir);
    // dist/ is already built by `npm test`; --ignore-scripts keeps `prepare` from building it a second time
    execFileSync(npm, ["pack", "--ignore-scripts", "--pack-destination", packDir], { cwd: root, stdio: "ignore" });
    const [tarball] = readdirSync(packDir).filter((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack wrote no tarball");
    const appDir = join(dir, "app");
    mkdirSync(appDir);
    writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", join(packDir, tarball)], { cwd: appDir, stdio: "ignore" });
    writeFileSync(join(appDir, "main.ts"), app);
    writeFileSync(join(appDir, "tsconfig.json"), tsconfig(["es2022"]));
    typecheck(appDir);
    writeFileSync(join(appDir, "page.ts"), page);
    writeFileSync(join(appDir, "tsconfig.json"), tsconfig(["es2022", "dom"], "page.ts"));
    typecheck(appDir);
    writeFileSync(join(appDir, "tsconfig.json"), tsconfig(["es2022"]));
    const out = JSON.parse(execFileSync(process.execPath, [join("out", "main.js")], { cwd: appDir, encoding: "utf8" })) as {
      layer: unknown;
      op: unknown;
      first: number;
      roundTrip: unknown;
    };
    assert.deepEqual(out.layer, bookOutput);
    assert.deepEqual(out.op, bookOutput);
    assert.equal(out.first, 1);
    assert.deepEqual(out.roundTrip, bookOutput); // tconv/onnx resolves through the exports map
    // the self-hostable worker script resolves through the exports map too, and is a classic script (no import/export)
    const resolved = execFileSync(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("tconv/worker.js"))'], {
      cwd: appDir,
      encoding: "utf8",
    }).trim();
    assert.match(resolved, /\/node_modules\/tconv\/dist\/worker\.js$/);
    const worker = readFileSync(new URL(resolved), "utf8");
    assert.match(worker, /new WebAssembly\.Instance\(/);
    assert.doesNotMatch(worker, /^\s*(import|export)\b/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
