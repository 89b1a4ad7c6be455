// The embedded wasm kernels: one module as text plus the relaxed-SIMD patch decode to the four valid builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { moduleBytes } from "../../../src/backends/wasm/runtime.js";
import { applyPatch, decodeWasmText } from "../../../src/backends/wasm/module-bytes.js";

interface WasmText {
  ALPHABET: string;
  directTable(bytes: Uint8Array): number[];
  encodeBytes(bytes: Uint8Array, table: readonly number[]): string;
}
const wasmText = async (): Promise<WasmText> => (await import("../../../scripts/wasm-text.mjs" as string)) as WasmText;

/** Positions where a and b differ (a and b of one length). */
function diffs(a: Uint8Array, b: Uint8Array): number[] {
  assert.equal(a.length, b.length);
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
}

/** Where the 3-byte opcode f32x4.relaxed_madd (0xfd 0x85 0x02, the relaxed-SIMD proposal) occurs in `bytes`. */
const relaxedMadd = (bytes: Uint8Array) => bytes.findIndex((b, i) => b === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02);

// scripts/build-wasm.mjs checks at build time that this decodes to AssemblyScript's output; these checks need no build
// cache (node_modules/ is shared between checkouts here) and rest on the wasm binary format alone
test("the embedded kernels decode to valid wasm: SIMD128 and the patched relaxed-SIMD build, over shared and plain memory", () => {
  const simd = moduleBytes(false, true);
  const simdPlain = moduleBytes(false, false);
  const relaxed = moduleBytes(true, true);
  const relaxedPlain = moduleBytes(true, false);
  for (const m of [simd, simdPlain, relaxed, relaxedPlain]) assert.deepEqual([...m.subarray(0, 8)], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]); // "\0asm", version 1
  assert.ok(WebAssembly.validate(simd as BufferSource) && WebAssembly.validate(simdPlain as BufferSource));
  // the memory import's limits flag is the only difference: 0x03 (maximum, shared) against 0x01 (maximum)
  for (const [shared, plain] of [
    [simd, simdPlain],
    [relaxed, relaxedPlain],
  ] as const) {
    const at = diffs(shared, plain);
    assert.equal(at.length, 1);
    assert.deepEqual([shared[at[0]!], plain[at[0]!]], [0x03, 0x01]);
  }
  // the patch puts relaxed_madd in; the SIMD128 build has none (relaxed-simd.test.ts runs the patched kernels)
  assert.equal(relaxedMadd(simd), -1);
  assert.ok(relaxedMadd(relaxed) > 0);
});

test("wasm text: decoding what scripts/wasm-text.mjs encodes gives the bytes back, for any bytes and table", async () => {
  const { ALPHABET, directTable, encodeBytes } = await wasmText();
  assert.equal(ALPHABET.length, 92);
  assert.ok(!/["\\<]/.test(ALPHABET), "no char of the alphabet needs an escape in a string literal or an inline script");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 300 }), (bytes, other) => {
      const table = directTable(other); // a table from other bytes: every byte must survive, frequent or not
      const text = encodeBytes(bytes, table);
      assert.ok([...text].every((c) => ALPHABET.includes(c)));
      assert.deepEqual(decodeWasmText(text, table), bytes);
    }),
    { seed: 23, numRuns: 200 },
  );
});

test("applyPatch replaces `remove` bytes at `at` by `insert` (numbers checked by hand)", () => {
  const base = new Uint8Array([0, 1, 2, 3, 4, 5]);
  assert.deepEqual(applyPatch(base, 2, 3, new Uint8Array([9, 9])), new Uint8Array([0, 1, 9, 9, 5]));
  assert.deepEqual(applyPatch(base, 6, 0, new Uint8Array([7])), new Uint8Array([0, 1, 2, 3, 4, 5, 7]));
  assert.deepEqual(applyPatch(base, 0, 6, new Uint8Array([])), new Uint8Array([]));
});

test("decodeWasmText throws on a char outside its alphabet instead of giving wrong bytes", () => {
  assert.throws(() => decodeWasmText('ab"c', [0]), /char outside its alphabet at 2/);
});
