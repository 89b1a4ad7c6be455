// safetensors format: exact bytes written, F16/BF16 decoding, every structural check of the parser, fuzzed headers.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_HEADER_BYTES, parseSafetensors, readTensor, serializeSafetensors } from "../../src/io/safetensors.js";

const W = "load: t.safetensors";

/** A file with this header text (as the JSON is given, unpadded) and data bytes. */
function rawFile(header: string, data: number[] | Uint8Array = []): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function u16le(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, v >> 8]);
}

test("serializeSafetensors writes the header length, the JSON and little-endian data byte for byte", () => {
  const bytes = serializeSafetensors(
    [
      { name: "a", shape: [2], data: new Float32Array([1, -2]) },
      { name: "b.c", shape: [1, 1], data: new Float64Array([0.5]) },
    ],
    new Map([["format", "pt"]]),
  );
  const json =
    '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b.c":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}';
  const padded = json + " ".repeat((8 - (json.length % 8)) % 8);
  const expected = [
    ...[padded.length, 0, 0, 0, 0, 0, 0, 0],
    ...new TextEncoder().encode(padded),
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
    ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
    ...[0, 0, 0, 0, 0, 0, 0xe0, 0x3f], // 0.5
  ];
  assert.equal(padded.length % 8, 0);
  assert.deepEqual([...bytes], expected);
});

test("parseSafetensors reads back names, dtypes, shapes, offsets and metadata in header order", () => {
  const bytes = serializeSafetensors(
    [
      { name: "z", shape: [2, 0], data: new Float32Array(0) },
      { name: "w", shape: [3], data: new Float64Array([1, 2, 3]) },
    ],
    new Map([["k", "v"]]),
  );
  const f = parseSafetensors(bytes, W);
  assert.deepEqual([...f.entries.keys()], ["z", "w"]);
  assert.deepEqual(f.entries.get("w"), { name: "w", dtype: "F64", shape: [3], size: 3, begin: 0, end: 24 });
  assert.deepEqual(f.entries.get("z")!.size, 0);
  assert.deepEqual([...f.metadata], [["k", "v"]]);
  assert.deepEqual([...readTensor(f, f.entries.get("w")!, "float64", W)], [1, 2, 3]);
  assert.deepEqual([...readTensor(f, f.entries.get("w")!, "float32", W)], [1, 2, 3]);
});

test("F16 and BF16 decode exactly: normal, subnormal, extreme, signed zero, infinities, NaN", () => {
  const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
  const bf16 = [0x3f80, 0xc040, 0x7f80, 0x0001, 0x8000, 0x3eaa];
  const file = rawFile(
    `{"h":{"dtype":"F16","shape":[${f16.length}],"data_offsets":[0,${2 * f16.length}]},` +
      `"b":{"dtype":"BF16","shape":[${bf16.length}],"data_offsets":[${2 * f16.length},${2 * (f16.length + bf16.length)}]}}`,
    [...u16le(f16), ...u16le(bf16)],
  );
  const f = parseSafetensors(file, W);
  const h = readTensor(f, f.entries.get("h")!, "float64", W);
  // f16: (−1)^s · 2^(e−15) · (1 + m/1024); subnormal m · 2^−24
  assert.deepEqual([...h.slice(0, 8)], [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity]);
  assert.ok(Object.is(h[5], -0));
  assert.ok(Number.isNaN(h[8]));
  assert.equal(h[9], (1024 + 0x155) * 2 ** -12); // 0x3555: e = 13, m = 0x155 ≈ 0.33325
  // bf16 = the top 16 bits of a float32; 0x0001 is the float32 subnormal 2^16 · 2^−149
  const b = readTensor(f, f.entries.get("b")!, "float32", W);
  assert.deepEqual([...b.slice(0, 4)], [1, -3, Infinity, 2 ** -133]);
  assert.ok(Object.is(b[4], -0));
  assert.equal(b[5], (1 + 0x2a0000 / 2 ** 23) * 2 ** -2); // 0x3eaa0000: e = 125, m = 0x2a0000
});

test("a tensor's values keep every bit, NaN payloads and -0 included, F32 and F64 (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 12 })), { minLength: 1, maxLength: 4 }),
      (specs) => {
        const tensors = specs.map(([wide, words], i) => {
          const raw = new Uint32Array(wide ? words.length * 2 : words.length);
          words.forEach((w, j) => {
            raw[wide ? 2 * j : j] = w;
            if (wide) raw[2 * j + 1] = (w * 2654435761) >>> 0;
          });
          const data = wide ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
          return { name: `t${i}.weight`, shape: [words.length], data };
        });
        const f = parseSafetensors(serializeSafetensors(tensors), W);
        for (const t of tensors) {
          const back = readTensor(f, f.entries.get(t.name)!, t.data instanceof Float64Array ? "float64" : "float32", W);
          assert.deepEqual(new Uint8Array(back.buffer, back.byteOffset, back.byteLength), new Uint8Array(t.data.buffer));
        }
      },
    ),
  );
});

const bad: [string, Uint8Array, RegExp][] = [
  ["a 5-byte file", new Uint8Array(5), /^load: t\.safetensors: truncated: the file is 5 bytes, shorter than the 8-byte header length$/],
  [
    "a header length over 100 MB",
    (() => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
      return b;
    })(),
    /header length 100000001 is over the 100000000-byte limit/,
  ],
  ["a header length of 2^64 − 1", new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 123, 125]), /header length 18446744073709551615 is over/],
  ["a header length beyond the file", rawFile("{}").subarray(0, 9), /truncated: header length 2 goes beyond the 9-byte file/],
  ["invalid UTF-8", rawFile("{}", []).map((v, i) => (i === 9 ? 0xff : v)), /the header is not valid UTF-8/],
  ["not JSON", rawFile('{"a":'), /the header is not valid JSON/],
  ["a JSON array", rawFile("[1]"), /does not start with '\{'/],
  ["a __proto__ key", rawFile('{"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), /key "__proto__" is not allowed/],
  ["a constructor key", rawFile('{"constructor":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), /key "constructor" is not allowed/],
  ["a __proto__ metadata key", rawFile('{"__metadata__":{"__proto__":"x"}}'), /__metadata__ key "__proto__" is not allowed/],
  ["a metadata value that is not a string", rawFile('{"__metadata__":{"a":1}}'), /__metadata__ "a" must be a string, got 1/],
  ["an unknown dtype", rawFile('{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /a: unknown dtype "F31"/],
  ["a negative dimension", rawFile('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /a: shape \[-1\] must hold non-negative integers/],
  ["a fractional dimension", rawFile('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /must hold non-negative integers/],
  ["a shape that is not a list", rawFile('{"a":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}', [0, 0, 0, 0]), /shape must be a list/],
  [
    "an absurd shape",
    rawFile('{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
    /a: shape \[4294967296,4294967296,4294967296\] of F32 needs more than 4 bytes, data_offsets \[0, 4\] hold 4/,
  ],
  ["a 1000-dimensional shape", rawFile(`{"a":{"dtype":"F32","shape":[${new Array(1000).fill(1)}],"data_offsets":[0,4]}}`, [0, 0, 0, 0]), /at most 64/],
  [
    "offsets past the data",
    rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [0, 0, 0, 0]),
    /^load: t\.safetensors: truncated: a needs bytes 0–8 of a 4-byte data section$/,
  ],
  ["offsets that end before they begin", rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', [0, 0, 0, 0]), /end before they begin/],
  [
    "offsets not matching the shape",
    rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
    /a: shape \[2\] of F32 needs 8 bytes, data_offsets \[0, 4\] hold 4/,
  ],
  [
    "overlapping tensors",
    rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)),
    /a \(bytes 0–8\) and b \(bytes 4–8\) overlap/,
  ],
  [
    "a gap between tensors",
    rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)),
    /bytes 0–4 of the data section belong to no tensor/,
  ],
  [
    "bytes after the last tensor",
    rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Array(8).fill(0)),
    /the data section is 8 bytes but the tensors end at byte 4/,
  ],
  ["an unexpected entry field", rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', [0, 0, 0, 0]), /a: unexpected field "x"/],
  [
    "offsets beyond 2^53",
    rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,1e300]}}', [0, 0, 0, 0]),
    /data_offsets must be two non-negative integers/,
  ],
];
for (const [what, bytes, message] of bad)
  test(`parseSafetensors rejects ${what}`, () => {
    assert.throws(
      () => parseSafetensors(bytes, W),
      (e: Error) => e instanceof Error && message.test(e.message) && e.message.startsWith(W),
    );
  });

test("a __proto__ header pollutes nothing", () => {
  const file = rawFile('{"__metadata__":{"polluted":"yes"},"__proto__":{"polluted":"yes"}}');
  assert.throws(() => parseSafetensors(file, W), /__proto__/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.hasOwn(Object.prototype, "polluted"), false);
});

test("readTensor refuses integer dtypes for float parameters", () => {
  const f = parseSafetensors(rawFile('{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}', new Array(8).fill(0)), W);
  assert.throws(() => readTensor(f, f.entries.get("n")!, "float32", W), /n has dtype I64; only F32, F64, F16 and BF16/);
});

test("any single corrupted byte gives a parsed file or an Error, never another exception or a hang (property)", () => {
  const good = serializeSafetensors(
    [
      { name: "0.weight", shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      { name: "0.bias", shape: [2], data: new Float32Array([7, 8]) },
    ],
    new Map([["format", "pt"]]),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const bytes = good.slice();
      bytes[at] = value;
      try {
        parseSafetensors(bytes, W);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.startsWith(`${W}: `), String(e));
      }
    }),
    { numRuns: 500 },
  );
});
