// Property: conv and transposed-conv gradients (input, weight, bias) match central differences for random options.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type NDArray, npx, np, type ConvOptions, type Layout } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";

const LAYOUTS: Record<number, [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };

interface Case {
  op: "convolution" | "deconvolution";
  nd: number;
  batch: number;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: ConvOptions["padding"];
  outputPadding: number[] | undefined;
  extra: number[];
  channelsLast: boolean;
  bias: boolean;
  seed: number;
}

const perAxis = (nd: number, arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: nd, maxLength: nd });

/** Random valid options: sizes chosen so the output is non-empty; 3-D kept tiny (reference kernels are loops). */
const caseArb: fc.Arbitrary<Case> = fc
  .record({ op: fc.constantFrom("convolution" as const, "deconvolution" as const), nd: fc.integer({ min: 1, max: 3 }) })
  .chain(({ op, nd }) =>
    fc.record({
      op: fc.constant(op),
      nd: fc.constant(nd),
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      inPerGroup: fc.integer({ min: 1, max: 2 }),
      outPerGroup: fc.integer({ min: 1, max: nd === 3 ? 1 : 2 }),
      kernel: perAxis(nd, fc.integer({ min: 1, max: nd === 3 ? 2 : 3 })),
      strides: perAxis(nd, fc.integer({ min: 1, max: 3 })),
      dilation: perAxis(nd, fc.integer({ min: 1, max: 2 })),
      padding: fc.oneof(
        fc.constant("same" as const),
        fc.constant("same-lower" as const),
        fc.constant("valid" as const),
        fc.integer({ min: 0, max: 2 }),
        perAxis(nd, fc.integer({ min: 0, max: 2 })),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: nd, maxLength: nd }),
      ),
      outputPadding: fc.option(perAxis(nd, fc.nat(2)), { nil: undefined }),
      extra: perAxis(nd, fc.integer({ min: 0, max: nd === 3 ? 1 : 3 })),
      channelsLast: fc.boolean(),
      bias: fc.boolean(),
      seed: fc.nat(1000),
    }),
  );

function padPairs(c: Case): [number, number][] | null {
  const p = c.padding;
  if (typeof p === "string") return null;
  if (typeof p === "number") return c.kernel.map(() => [p, p]);
  return (p as readonly (number | readonly [number, number])[]).map((v) => (typeof v === "number" ? [v, v] : [v[0], v[1]]));
}

/** Shapes and options for a case; input spatial sizes are the smallest valid ones plus `extra`. */
function build(c: Case) {
  const dk = c.kernel.map((k, i) => c.dilation[i]! * (k - 1) + 1);
  const pads = padPairs(c);
  const isConv = c.op === "convolution";
  const size = c.kernel.map((_, i) => {
    if (isConv) return Math.max(1, dk[i]! - (pads ? pads[i]![0] + pads[i]![1] : 0)) + c.extra[i]!;
    // deconvolution: (n − 1)·s − pads + dk ≥ 1
    const need = pads ? Math.max(0, pads[i]![0] + pads[i]![1] - dk[i]! + 1) : 0;
    return Math.ceil(need / c.strides[i]!) + 1 + c.extra[i]!;
  });
  const outputPadding = !isConv && c.outputPadding ? c.outputPadding.map((p, i) => p % Math.max(c.strides[i]!, c.dilation[i]!)) : undefined;
  // conv: x [groups·inPerGroup], w [groups·outPerGroup, inPerGroup, …k];  deconv: x [groups·inPerGroup], w [groups·inPerGroup, outPerGroup, …k]
  const xC = c.groups * c.inPerGroup;
  const wAxis0 = isConv ? c.groups * c.outPerGroup : xC;
  const wPer = isConv ? c.inPerGroup : c.outPerGroup;
  const outC = c.groups * c.outPerGroup;
  const xShape = c.channelsLast ? [c.batch, ...size, xC] : [c.batch, xC, ...size];
  const wShape = c.channelsLast ? [wAxis0, ...c.kernel, wPer] : [wAxis0, wPer, ...c.kernel];
  const layout = LAYOUTS[c.nd]![c.channelsLast ? 1 : 0];
  const options: ConvOptions = {
    strides: c.strides,
    dilation: c.dilation,
    padding: c.padding,
    groups: c.groups,
    layout,
    ...(outputPadding ? { outputPadding } : {}),
  };
  return { xShape, wShape, outC, options };
}

let worst = { rel: 0, abs: 0 };
let runs = 0;

test("conv/deconv gradients w.r.t. input, weight and bias match central differences (random options)", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      np.random.seed(c.seed);
      const { xShape, wShape, outC, options } = build(c);
      const inputs = [randn(xShape), randn(wShape), ...(c.bias ? [randn([outC])] : [])];
      const run = (x: NDArray, w: NDArray, b?: NDArray) => npx[c.op](x, w, { ...options, bias: b ?? null });
      const r = gradcheck(run, inputs, { eps: 1e-6, rtol: 1e-5, atol: 1e-6 });
      worst = { rel: Math.max(worst.rel, ...r.maxRelErr), abs: Math.max(worst.abs, ...r.maxAbsErr) };
      runs++;
    }),
    { numRuns: 200, seed: 20240611 },
  );
});

test("the generator reaches every option family", () => {
  const seen = new Set<string>();
  fc.sample(caseArb, { numRuns: 400, seed: 1 }).forEach((c) => {
    seen.add(`${c.op}-${c.nd}d`);
    seen.add(typeof c.padding === "string" ? c.padding : Array.isArray(c.padding) && Array.isArray(c.padding[0]) ? "pairs" : "explicit");
    if (c.groups > 1) seen.add("groups");
    if (c.channelsLast) seen.add("channelsLast");
    if (c.bias) seen.add("bias");
    if (c.outputPadding && c.op === "deconvolution") seen.add("outputPadding");
  });
  for (const k of [
    "convolution-1d",
    "convolution-2d",
    "convolution-3d",
    "deconvolution-1d",
    "deconvolution-2d",
    "deconvolution-3d",
    "same",
    "same-lower",
    "valid",
    "pairs",
    "explicit",
    "groups",
    "channelsLast",
    "bias",
    "outputPadding",
  ])
    assert.ok(seen.has(k), k);
});

after(() => console.log(`# conv property: ${runs} cases, max relative error ${worst.rel.toExponential(1)}, max abs error ${worst.abs.toExponential(1)}`));
