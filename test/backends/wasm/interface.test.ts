// The one declared wasm interface: record layouts give distinct, contiguous word offsets; writeRecord puts each value
// at its field; the AssemblyScript constants the build compiles are exactly the ones generated from the declaration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { assemblyConstants, LAYOUTS, offsets, PREFIX, recordWords, TASK, writeRecord, zeroRecord } from "../../../src/backends/wasm/interface.js";

test("every record's fields get consecutive word offsets (x3 fields take three words), in declaration order", () => {
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    const off = offsets(layout);
    let w = 0;
    for (const [k, t] of Object.entries(layout)) {
      assert.equal((off as Record<string, number>)[k], w, `${name}.${k}`);
      w += t.endsWith("x3") ? 3 : 1;
    }
    assert.equal(recordWords(layout), w);
  }
  // the wtx record starts with the gemm record (the AssemblyScript wtx task gathers its B through the J_* fields)
  const g = offsets(LAYOUTS.gemm),
    y = offsets(LAYOUTS.wtx);
  for (const k of Object.keys(LAYOUTS.gemm)) assert.equal((y as Record<string, number>)[k], (g as Record<string, number>)[k], k);
  assert.equal(new Set(Object.values(TASK)).size, Object.keys(TASK).length, "task kinds are distinct");
});

test("writeRecord puts each value at its field's words, addresses as u32 and fields as i32", () => {
  const buf = new ArrayBuffer(4 * 200);
  const I = new Int32Array(buf),
    U = new Uint32Array(buf);
  const values = { ...zeroRecord(LAYOUTS.gemm), M: 7, K: -3, APK: 0xfffffff0, T: [1, 2, 3], OFFS: [10, 20, 30], BIAS: 99 };
  writeRecord(I, U, 64, LAYOUTS.gemm, values);
  const off = offsets(LAYOUTS.gemm),
    base = 16;
  assert.equal(I[base + off.M], 7);
  assert.equal(I[base + off.K], -3);
  assert.equal(U[base + off.APK], 0xfffffff0);
  assert.deepEqual([...I.subarray(base + off.T, base + off.T + 3)], [1, 2, 3]);
  assert.deepEqual([...U.subarray(base + off.OFFS, base + off.OFFS + 3)], [10, 20, 30]);
  assert.equal(U[base + off.BIAS], 99);
  assert.equal(I[base - 1], 0, "nothing written before the record");
  assert.equal(I[base + recordWords(LAYOUTS.gemm)], 0, "nothing written after it");
});

test("assembly/interface.generated.ts (compiled into the wasm) is generated from this declaration", () => {
  const file = new URL("../../../assembly/interface.generated.ts", import.meta.url);
  assert.ok(existsSync(file), "run npm run build:wasm");
  assert.equal(readFileSync(file, "utf8"), assemblyConstants());
  for (const [name, prefix] of Object.entries(PREFIX)) {
    const first = Object.keys(LAYOUTS[name as keyof typeof LAYOUTS])[0];
    assert.match(assemblyConstants(), new RegExp(`export const ${prefix}_${first}: i32 = 0;`), name);
  }
});
