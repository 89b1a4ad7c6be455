// Compiles assembly/ (AssemblyScript) four times — SIMD128 and relaxed SIMD (f32x4.relaxed_madd in the GEMM
// micro-kernel), each over shared memory (threads) and over plain memory (pages without cross-origin isolation) — and
// embeds the shared-memory SIMD128 .wasm (as text, scripts/wasm-text.mjs) and the patch that turns it into the
// relaxed-SIMD one in a generated TypeScript module; the runtime picks a variant with WebAssembly.validate and clears
// the memory's shared flag for the plain-memory one.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import * as esbuild from "esbuild";
import { directTable, encodeBytes } from "./wasm-text.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "node_modules", ".cache", "tconv");
const outTs = join(root, "src", "backends", "wasm", "kernels-wasm.generated.ts");
mkdirSync(cache, { recursive: true });
mkdirSync(dirname(outTs), { recursive: true });

// assembly/interface.generated.ts: the record offsets and task kinds declared in src/backends/wasm/interface.ts
const ifaceTs = join(root, "src", "backends", "wasm", "interface.ts");
const ifaceJs = esbuild.transformSync(readFileSync(ifaceTs, "utf8"), { loader: "ts", format: "esm" }).code;
const iface = await import(`data:text/javascript;base64,${Buffer.from(ifaceJs).toString("base64")}`);
const ifaceOut = join(root, "assembly", "interface.generated.ts");
// the runtime's decoder (src/backends/wasm/module-bytes.ts), to check the text written below decodes to the module
const decoderJs = esbuild.transformSync(readFileSync(join(root, "src", "backends", "wasm", "module-bytes.ts"), "utf8"), { loader: "ts", format: "esm" }).code;
const { decodeWasmText } = await import(`data:text/javascript;base64,${Buffer.from(decoderJs).toString("base64")}`);
const ifaceText = iface.assemblyConstants();
if (!existsSync(ifaceOut) || readFileSync(ifaceOut, "utf8") !== ifaceText) writeFileSync(ifaceOut, ifaceText);

/** One build; atomics stay valid on unshared memory, so the same source serves both variants. */
async function compile(name, shared, relaxed) {
  const outWasm = join(cache, `${name}.wasm`);
  // 65536 pages = 4 GiB, the wasm32 ceiling; the JS side may create the memory with a smaller maximum.
  const args = [
    join(root, "assembly", "index.ts"),
    "--outFile",
    outWasm,
    "--runtime",
    "stub",
    "-O3",
    "--noAssert",
    "--use",
    "abort=",
    // TCONV_WASM_NAMES=1 keeps the function names, so CPU profiles (node --cpu-prof) name the kernels
    ...(process.env.TCONV_WASM_NAMES === "1" ? ["--debug"] : []),
    "--enable",
    "simd",
    "--enable",
    "threads",
    ...(relaxed ? ["--enable", "relaxed-simd"] : []),
    "--importMemory",
    "--noExportMemory",
    ...(shared ? ["--sharedMemory"] : []),
    "--initialMemory",
    "1",
    "--maximumMemory",
    "65536",
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${error.message}`);
    process.exit(1);
  }
  return readFileSync(outWasm);
}

const shared = await compile("kernels", true, false);
const unshared = await compile("kernels-unshared", false, false);
const relaxedShared = await compile("kernels-relaxed", true, true);
const relaxedUnshared = await compile("kernels-relaxed-unshared", false, true);

/**
 * The byte that makes the memory import shared: the limits flag of `(import "env" "memory" (memory shared 1 65536))`,
 * 0x03 (has maximum, shared) against 0x01 (has maximum). It is the only byte in which the unshared build differs, so
 * only the shared builds are embedded and the runtime clears that flag for a page without cross-origin isolation.
 * Checked here on every build, so a compiler change that breaks it fails the build instead of the page.
 */
function sharedFlagOffset(sharedBuild, unsharedBuild, name) {
  const diffs = [];
  for (let i = 0; i < Math.max(sharedBuild.length, unsharedBuild.length); i++) if (sharedBuild[i] !== unsharedBuild[i]) diffs.push(i);
  if (sharedBuild.length !== unsharedBuild.length || diffs.length !== 1 || sharedBuild[diffs[0]] !== 0x03 || unsharedBuild[diffs[0]] !== 0x01) {
    console.error(`build-wasm: the ${name} builds over shared and plain memory differ in more than the memory's shared flag (${diffs.length} bytes)`);
    process.exit(1);
  }
  return diffs[0];
}
const flagAt = sharedFlagOffset(shared, unshared, "SIMD128");
const relaxedFlagAt = sharedFlagOffset(relaxedShared, relaxedUnshared, "relaxed-SIMD");

/**
 * The relaxed build as an edit of the SIMD128 one: they differ only where f32x4.relaxed_madd replaces mul + add in the
 * GEMM micro-kernel (and in the sizes that lead to it), so a page ships one module and a patch of ~200 bytes instead of
 * two modules: relaxed = base[0, at) + insert + base[at + remove, end). Checked by rebuilding it here.
 */
function patchOf(base, target) {
  let at = 0;
  while (at < base.length && at < target.length && base[at] === target[at]) at++;
  let tail = 0;
  while (tail < base.length - at && tail < target.length - at && base[base.length - 1 - tail] === target[target.length - 1 - tail]) tail++;
  const patch = { at, remove: base.length - at - tail, insert: target.subarray(at, target.length - tail) };
  const rebuilt = Buffer.concat([base.subarray(0, at), patch.insert, base.subarray(at + patch.remove)]);
  if (!rebuilt.equals(target)) {
    console.error("build-wasm: the relaxed-SIMD patch does not rebuild the relaxed module");
    process.exit(1);
  }
  return patch;
}
const relaxedPatch = patchOf(shared, relaxedShared);

const table = directTable(shared);
const check = decodeWasmText(encodeBytes(shared, table), table);
if (!Buffer.from(check).equals(shared)) {
  console.error("build-wasm: the wasm text does not decode to the module");
  process.exit(1);
}
const text =
  `// Generated by scripts/build-wasm.mjs from assembly/: the SIMD kernels over shared memory (${shared.length} bytes) as text over the alphabet of scripts/wasm-text.mjs, and the patch that makes the relaxed-SIMD build (${relaxedShared.length} bytes) from them. Do not edit.\n` +
  `export const kernelsWasmText = "${encodeBytes(shared, table)}";\n` +
  "/** The bytes that ALPHABET[0], ALPHABET[1], … stand for (src/backends/wasm/module-bytes.ts decodes the text). */\n" +
  `export const kernelsWasmTable = [${table.join(",")}];\n` +
  "/** The memory import's limits flag: 0x03 (shared) in the bytes above, 0x01 for plain memory. */\n" +
  `export const kernelsWasmSharedFlagAt = ${flagAt};\n` +
  "/** relaxed = base[0, at) + insert + base[at + remove, end), insert as text like the module's. */\n" +
  `export const kernelsRelaxedPatch = { at: ${relaxedPatch.at}, remove: ${relaxedPatch.remove}, insert: "${encodeBytes(relaxedPatch.insert, table)}" };\n` +
  `export const kernelsRelaxedWasmSharedFlagAt = ${relaxedFlagAt};\n`;
if (!existsSync(outTs) || readFileSync(outTs, "utf8") !== text) writeFileSync(outTs, text);
console.log(
  `build-wasm: ${shared.length} + ${unshared.length} + ${relaxedShared.length} + ${relaxedUnshared.length} bytes -> ${outTs} (relaxed as a ${relaxedPatch.insert.length}-byte patch)`,
);
