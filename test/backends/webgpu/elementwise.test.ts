// WebGPU elementwise (every unary and binary op, broadcast and strided views) and reductions against the reference loops.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BINARY, UNARY, binaryReference, reduceReference, unaryReference } from "../../../src/backends/reference/elementwise.js";
import type { BinaryKernelOp, ReduceKernelOp, StridedView, UnaryKernelOp } from "../../../src/backends/js/elementwise.js";
import { binaryGpu, destroyGpu, type GpuView, readTensor, reduceGpu, unaryGpu, upload } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

/**
 * A random strided view over `shape`: per axis broadcast (stride 0) or not, axes stored in a random order, reversed
 * axes (negative strides) and a leading offset, over a tensor holding values from `values`.
 */
const viewArb = (shape: number[], values: fc.Arbitrary<number>) =>
  fc
    .record({
      broadcast: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      reverse: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      order: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
      pad: fc.integer({ min: 0, max: 3 }),
      seedVals: fc.array(values, { minLength: 400, maxLength: 400 }),
    })
    .map((r) => {
      const strides = new Array<number>(shape.length).fill(0);
      let s = 1;
      for (let j = r.order.length - 1; j >= 0; j--) {
        const ax = r.order[j]!;
        if (r.broadcast[ax] && shape.length > 1) continue;
        strides[ax] = s;
        s *= shape[ax]!;
      }
      let offset = r.pad;
      shape.forEach((d, ax) => {
        if (r.reverse[ax] && strides[ax]! > 0) {
          offset += (d - 1) * strides[ax]!;
          strides[ax] = -strides[ax]!;
        }
      });
      const data = Float32Array.from({ length: s + r.pad }, (_, i) => r.seedVals[i % 400]!);
      return { data, strides, offset };
    });

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });

const gpuView = (v: StridedView): GpuView => ({ tensor: upload(v.data as Float32Array), strides: v.strides, offset: v.offset });

/** Relative agreement for transcendental ops (WGSL's exp/log/pow are not correctly rounded): |a − b| ≤ tol·(1 + |b|). */
function assertNear(got: Float32Array, want: Float64Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= tol * (1 + Math.abs(want[i]!)))) assert.fail(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
  }
}

// no subnormals: WGSL lets an implementation flush them to zero, and SwiftShader does (eq(0, −1.4e-45) gives 1)
const finite = fc.integer({ min: -4000, max: 4000 }).map((v) => v / 1000);
const positive = fc.integer({ min: 10, max: 4000 }).map((v) => v / 1000);
const DOMAIN: Partial<Record<UnaryKernelOp, fc.Arbitrary<number>>> = { log: positive, sqrt: positive };

/** mod and fmod (exact, with zero divisors and ±∞ operands giving NaN) are checked against the CPU in math.test.ts. */
const CHECKED_IN_MATH_TEST = new Set<string>(["mod", "fmod"]);

test("webgpu unary ops equal the reference over random strided views (property)", { skip: SKIP, timeout: 300_000 }, async () => {
  for (const op of Object.keys(UNARY) as UnaryKernelOp[]) {
    if (CHECKED_IN_MATH_TEST.has(op)) continue;
    await fc.assert(
      fc.asyncProperty(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), viewArb(shape, DOMAIN[op] ?? finite))),
        async ([shape, a]) => {
          const n = shape.reduce((p, d) => p * d, 1);
          const want = new Float64Array(n);
          unaryReference(op, shape, { data: want, strides: contiguous(shape), offset: 0 }, a);
          assertNear(await readTensor(unaryGpu(op, shape, gpuView(a))), want, 2e-6 * 8, `${op} over [${shape}]`);
        },
      ),
      { numRuns: 6, seed: 21 },
    );
  }
});

test("webgpu binary ops equal the reference over random broadcast / strided views (property)", { skip: SKIP, timeout: 300_000 }, async () => {
  // pow: positive bases with any exponent, and negative bases with integer exponents (numpy's real results)
  const integer = fc.integer({ min: -3, max: 3 }).map((v) => v);
  for (const op of Object.keys(BINARY) as BinaryKernelOp[]) {
    if (CHECKED_IN_MATH_TEST.has(op)) continue;
    const [va, vb] =
      op === "pow"
        ? [fc.oneof(positive, fc.integer({ min: -3, max: 3 })), integer]
        : op === "div"
          ? [finite, positive]
          : [finite, fc.oneof(finite, fc.integer({ min: -2, max: 2 }))];
    await fc.assert(
      fc.asyncProperty(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), viewArb(shape, va), viewArb(shape, vb))),
        async ([shape, a, b]) => {
          const n = shape.reduce((p, d) => p * d, 1);
          const want = new Float64Array(n);
          binaryReference(op, shape, { data: want, strides: contiguous(shape), offset: 0 }, a, b);
          assertNear(await readTensor(binaryGpu(op, shape, gpuView(a), gpuView(b))), want, 2e-6 * 8, `${op} over [${shape}]`);
        },
      ),
      { numRuns: 5, seed: 21 },
    );
  }
});

test("webgpu relu and maximum propagate NaN, relu(−0) = +0, pow(0, −1) = ∞, pow(−2, 0.5) = NaN", { skip: SKIP }, async () => {
  const v = (xs: number[]): GpuView => ({ tensor: upload(Float32Array.from(xs)), strides: [1], offset: 0 });
  const relu = await readTensor(unaryGpu("relu", [3], v([NaN, -0, -2])));
  assert.ok(Number.isNaN(relu[0]!));
  assert.ok(Object.is(relu[1], 0) && relu[2] === 0);
  const mx = await readTensor(binaryGpu("maximum", [2], v([NaN, 1]), v([1, NaN])));
  assert.ok(Number.isNaN(mx[0]!) && Number.isNaN(mx[1]!), `maximum gave ${mx}`);
  const pw = await readTensor(binaryGpu("pow", [3], v([0, -2, -2]), v([-1, 0.5, 3])));
  assert.equal(pw[0], Infinity);
  assert.ok(Number.isNaN(pw[1]!));
  assert.equal(pw[2], -8);
});

test("webgpu reductions (sum, mean, max, min) over random axes of strided views equal the reference (property)", { skip: SKIP, timeout: 300_000 }, async () => {
  const ops: ReduceKernelOp[] = ["sum", "mean", "max", "min"];
  await fc.assert(
    fc.asyncProperty(
      fc
        .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
        .chain((shape) => fc.tuple(fc.constant(shape), viewArb(shape, finite), fc.subarray([...shape.keys()]), fc.constantFrom(...ops))),
      async ([shape, x, axes, op]) => {
        const kept = shape.filter((_, i) => !axes.includes(i)).reduce((p, d) => p * d, 1);
        const want = new Float64Array(kept);
        reduceReference(op, shape, x, axes, want);
        const count = axes.reduce((p, a) => p * shape[a]!, 1);
        assertNear(await readTensor(reduceGpu(op, shape, gpuView(x), axes)), want, 1e-5 * Math.sqrt(count), `${op} over axes [${axes}] of [${shape}]`);
      },
    ),
    { numRuns: Number(process.env.GPU_RUNS ?? 30), seed: 21 },
  );
});

test("webgpu prod over one axis and all axes (a zero in one slice) equals the reference", { skip: SKIP }, async () => {
  // factors in [0.5, 1.5]: 21 of them stay far from float32 overflow, so float32 and the float64 reference agree to rounding
  const x = Float32Array.from({ length: 21 }, (_, i) => (i === 9 ? 0 : 0.5 + ((i * 37) % 11) / 10));
  for (const axes of [[1], [0, 1]]) {
    const want = new Float64Array(axes.length === 1 ? 3 : 1);
    reduceReference("prod", [3, 7], { data: x, strides: [7, 1], offset: 0 }, axes, want);
    assertNear(await readTensor(reduceGpu("prod", [3, 7], { tensor: upload(x), strides: [7, 1], offset: 0 }, axes)), want, 1e-5, `prod over [${axes}]`);
  }
});

test("webgpu reduction over 1000 elements (tree of 64 partial sums) and bad axes throw naming the op", { skip: SKIP }, async () => {
  const x = Float32Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 101) / 50 - 1);
  const want = new Float64Array(3);
  reduceReference("sum", [3, 1000], { data: x, strides: [1000, 1], offset: 0 }, [1], want);
  assertNear(await readTensor(reduceGpu("sum", [3, 1000], { tensor: upload(x), strides: [1000, 1], offset: 0 }, [1])), want, 1e-5 * Math.sqrt(1000), "sum");
  assert.throws(
    () => reduceGpu("sum", [3], { tensor: upload(new Float32Array(3)), strides: [1], offset: 0 }, [1]),
    /sum reduction \(webgpu\): axis 1 is out of range for a 1-D shape/,
  );
  assert.throws(
    () => unaryGpu("exp", [4], { tensor: upload(new Float32Array(3)), strides: [1], offset: 0 }),
    /exp \(webgpu\): a view .* reaches elements 0\.\.3 of a tensor of 3/,
  );
});

function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
