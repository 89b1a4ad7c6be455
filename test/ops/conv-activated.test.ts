// convolutionActivated: a convolution whose kernel applies ReLU, hardswish or a leaky slope as it stores, bit for bit the two ops.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../src/index.js";
import { convolutionActivated } from "../../src/ops/conv.js";
import type { ConvCallOptions } from "../../src/ops/conv.js";
import type { ConvActivation } from "../../src/params/kernel-records.js";
import type { ConvOp } from "../../src/params/conv-params.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { hooks } from "../../src/backends/hooks.js";

/**
 * Seeded values, with NaN, ±Infinity and −0 at the front when `special` (the activation's special cases; a wasm result
 * with a non-finite element is recomputed by the JS loops, so finite inputs are what reach the kernels' own store).
 */
function input(shape: number[], dtype: "float32" | "float64", seed: number, special = true): NDArray {
  np.random.seed(seed);
  const a = np.random.normal({ size: shape, dtype });
  if (!special) return a;
  const d = a.hostData;
  d[0] = NaN;
  d[1] = Infinity;
  d[2] = -Infinity;
  d[3] = -0;
  return a;
}

/** The activation as its own op. */
const separate = (y: NDArray, act: ConvActivation) =>
  act.kind === "relu" ? npx.relu(y) : act.kind === "hardswish" ? npx.activation(y, "hardswish") : npx.leakyRelu(y, { actType: "leaky", slope: act.slope });

function sameBits(got: NDArray, want: NDArray, what: string): void {
  const g = got.asTypedArray(),
    w = want.asTypedArray();
  assert.deepEqual(got.shape, want.shape, what);
  for (let i = 0; i < g.length; i++) assert.ok(Object.is(g[i], w[i]) || (Number.isNaN(g[i]!) && Number.isNaN(w[i]!)), `${what}: [${i}] ${g[i]} vs ${w[i]}`);
}

/** Runs f while counting which activation the wasm kernels were asked to store. */
function wasmActs<T>(f: () => T): { result: T; acts: string[] } {
  const original = wasmBackend.imageToGrid;
  const acts: string[] = [];
  wasmBackend.imageToGrid = (g, image, w, bias, ctx) => {
    acts.push(ctx.act ? ctx.act.kind : "none");
    return original(g, image, w, bias, ctx);
  };
  try {
    return { result: f(), acts };
  } finally {
    wasmBackend.imageToGrid = original;
  }
}

interface Case {
  name: string;
  op: ConvOp;
  x: number[];
  w: number[];
  o: ConvCallOptions;
  /** the algorithm dispatch picks for float32, and whether that kernel stores a leaky slope itself */
  alg: string;
  storesLeaky: boolean;
}

const CASES: Case[] = [
  { name: "1-D k1 (Conv-TasNet's 1×1)", op: "convolution", x: [2, 32, 200], w: [48, 32, 1], o: {}, alg: "wasm-im2col", storesLeaky: true },
  {
    name: "1-D depthwise k3 dilated",
    op: "convolution",
    x: [1, 64, 400],
    w: [64, 1, 3],
    o: { groups: 64, dilation: [4], padding: [4] },
    alg: "wasm-depthwise",
    storesLeaky: true,
  },
  { name: "2-D k5 im2col", op: "convolution", x: [2, 8, 12, 12], w: [16, 8, 5, 5], o: { padding: [2, 2] }, alg: "wasm-im2col", storesLeaky: true },
  {
    name: "2-D k3 Winograd F(4×4, 3×3) (ReLU only)",
    op: "convolution",
    x: [2, 16, 24, 24],
    w: [16, 16, 3, 3],
    o: { padding: [1, 1] },
    alg: "wasm-winograd4",
    storesLeaky: false,
  },
  {
    name: "transposed k4 s2",
    op: "deconvolution",
    x: [2, 16, 8, 8],
    w: [16, 8, 4, 4],
    o: { strides: [2, 2], padding: [1, 1] },
    alg: "",
    storesLeaky: false,
  },
  {
    name: "reflect padding",
    op: "convolution",
    x: [1, 4, 10, 10],
    w: [6, 4, 3, 3],
    o: { padding: [1, 1], paddingMode: "reflect" },
    alg: "",
    storesLeaky: false,
  },
];

test("convolutionActivated: leaky and ReLU stored by the kernel equal the separate op bit for bit (NaN, ±Inf, −0 inputs; float32 and float64; every kernel family)", () => {
  // 0.25 and −0.5 are float32 values (the kernels multiply in float32); 0.2 is not, so it runs as a pass after the kernel
  const acts: ConvActivation[] = [
    { kind: "relu" },
    { kind: "hardswish" },
    { kind: "leaky", slope: 0.25 },
    { kind: "leaky", slope: -0.5 },
    { kind: "leaky", slope: 0.2 },
  ];
  CASES.forEach((c, ci) => {
    for (const [dtype, special] of [
      ["float32", false],
      ["float32", true],
      ["float64", true],
    ] as const) {
      const x = input(c.x, dtype, 100 + ci, special);
      np.random.seed(200 + ci);
      const w = np.random.uniform({ low: -0.4, high: 0.4, size: c.w, dtype });
      const outC = c.op === "convolution" ? c.w[0]! : c.w[1]! * (c.o.groups ?? 1);
      const bias = np.random.uniform({ low: -0.5, high: 0.5, size: [outC], dtype });
      const o = { ...c.o, bias };
      const plain = c.op === "convolution" ? npx.convolution(x, w, o) : npx.deconvolution(x, w, o);
      const kernelRuns = dtype === "float32" && !special && c.alg !== "";
      if (kernelRuns) assert.equal(hooks.lastAlgorithm, c.alg, `${c.name}: the kernel under test`);
      for (const act of acts) {
        const what = `${c.name} ${dtype}${special ? " NaN/Inf/−0" : ""} ${act.kind}${act.kind === "leaky" ? ` ${act.slope}` : ""}`;
        const { result, acts: asked } = wasmActs(() => convolutionActivated(c.op, x, w, act, o));
        sameBits(result, separate(plain, act), what);
        // the leaky slope reaches the wasm store exactly where it should: float32 slopes, kernels that store it
        if (kernelRuns && c.op === "convolution") {
          // hardswish: stored by the im2col and depthwise kernels, as a leaky slope
          const fused = act.kind === "relu" || (c.storesLeaky && (act.kind === "hardswish" || Math.fround(act.slope) === act.slope));
          assert.equal(asked.at(-1), fused ? act.kind : "none", `${what}: fused`);
        }
      }
    }
  });
});

test("convolutionActivated: a random sample of 1-D/2-D shapes, groups, strides and slopes equals conv → leakyRelu bit for bit", () => {
  fc.assert(
    fc.property(
      fc.record({
        nd: fc.constantFrom(1, 2),
        n: fc.integer({ min: 1, max: 2 }),
        groups: fc.constantFrom(1, 2, 4),
        cpg: fc.integer({ min: 1, max: 3 }),
        outPer: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 2 }),
        pad: fc.integer({ min: 0, max: 2 }),
        size: fc.integer({ min: 4, max: 11 }),
        slope: fc.constantFrom(0.25, -1.5, 0, 3, 0.01),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      (r) => {
        const sp = Array<number>(r.nd).fill(r.size);
        const x = input([r.n, r.groups * r.cpg, ...sp], "float32", r.seed);
        np.random.seed(r.seed + 1);
        const w = np.random.uniform({ low: -1, high: 1, size: [r.groups * r.outPer, r.cpg, ...Array<number>(r.nd).fill(r.k)] });
        const o = { groups: r.groups, strides: Array<number>(r.nd).fill(r.stride), padding: Array<number>(r.nd).fill(r.pad) };
        const act: ConvActivation = { kind: "leaky", slope: r.slope };
        sameBits(convolutionActivated("convolution", x, w, act, o), separate(npx.convolution(x, w, o), act), JSON.stringify(r));
      },
    ),
    { numRuns: 60, seed: 27 },
  );
});

test("convolutionActivated: recorded, the convolution and the activation are both on the tape (gradients of the two ops)", () => {
  const x = input([1, 4, 20], "float32", 5);
  x.hostData.fill(0.5, 0, 4); // finite values for the gradient
  np.random.seed(6);
  const w = np.random.uniform({ low: -1, high: 1, size: [6, 4, 3] });
  const act: ConvActivation = { kind: "leaky", slope: 0.25 };
  const xa = x.copy().attachGrad(),
    xb = x.copy().attachGrad();
  autograd.record(() => convolutionActivated("convolution", xa, w, act, { padding: [1] }).sum()).backward();
  autograd.record(() => separate(npx.convolution(xb, w, { padding: [1] }), act).sum()).backward();
  sameBits(xa.grad!, xb.grad!, "input gradient");
  assert.ok(xa.grad!.asTypedArray().some((v) => v !== 0));
});

test("convolutionActivated: a slope that is not a finite number is refused before any work, as leakyRelu's", () => {
  const x = np.ones([1, 1, 4]),
    w = np.ones([1, 1, 1]);
  assert.throws(() => convolutionActivated("convolution", x, w, { kind: "leaky", slope: NaN }), /convolution: slope=NaN must be a finite number/);
});
