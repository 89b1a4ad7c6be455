// Package entries: `tconv` loads no ONNX or protobuf code (that lives behind `tconv/onnx`), in Node and in a bundle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { build } from "esbuild";

test("importing tconv loads no protobufjs in Node; importing tconv/onnx does", () => {
  const probe = `
    import Module from "node:module";
    const loaded = () => Object.keys(Module._cache).some((k) => k.includes("protobufjs"));
    await import(${JSON.stringify(resolve("dist/index.js"))});
    const main = loaded();
    const { onnx } = await import(${JSON.stringify(resolve("dist/onnx/index.js"))});
    console.log(JSON.stringify({ main, onnx: loaded(), ops: onnx.supportedOps.length }));`;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" })) as {
    main: boolean;
    onnx: boolean;
    ops: number;
  };
  assert.deepEqual({ main: out.main, onnx: out.onnx }, { main: false, onnx: true });
  assert.ok(out.ops > 20);
});

test("a bundle of a deconvolution-only page holds no ONNX or protobuf code, and still installs NDArray's methods", async () => {
  const page = `import { np, npx } from "tconv";\nglobalThis.out = npx.deconvolution(np.ones([1, 1, 2, 2]), np.ones([1, 1, 2, 2])).reshape(9).tolist();`;
  const r = await build({
    stdin: { contents: page, resolveDir: resolve("."), loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "error",
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(
    inputs.some((f) => f.startsWith("dist/")),
    `the bundle did not resolve tconv to dist/: ${inputs.slice(0, 3).join(", ")}`,
  );
  assert.deepEqual(
    inputs.filter((f) => /protobufjs|[\\/]onnx[\\/]/.test(f)),
    [],
  );
  // run it: sideEffects lists dist/methods.js, so the bundler keeps the module that installs reshape/tolist
  const g = globalThis as { out?: unknown };
  await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0]!.text).toString("base64")}`);
  assert.deepEqual(g.out, [1, 2, 1, 2, 4, 2, 1, 2, 1]); // ones ⋆ ones: the overlap counts of a 2×2 kernel, stride 1
});
