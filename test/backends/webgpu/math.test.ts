// mod, fmod, sin, cos and erf on gpu(0) against the CPU backend (JS / numpy semantics, special values included), and the
// activations built on them or added with them (gelu, prelu, softsign) with their gradients.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../../src/index.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

/** GPU result against CPU result: equal bits for ±0, both NaN, or |g − c| ≤ atol + rtol·|c|. */
async function assertClose(gpuArr: NDArray, cpuArr: NDArray, what: string, atol: number, rtol = 0, signedZero = false): Promise<void> {
  await gpuArr.wait();
  assert.deepEqual(gpuArr.shape, cpuArr.shape, `${what}: shape`);
  const g = gpuArr.asTypedArray(),
    c = cpuArr.asTypedArray();
  for (let i = 0; i < c.length; i++) {
    const gi = g[i]!,
      ci = c[i]!;
    if (Number.isNaN(ci) || Number.isNaN(gi)) {
      if (!(Number.isNaN(ci) && Number.isNaN(gi))) assert.fail(`${what}: element ${i} is ${gi} on the GPU and ${ci} on the CPU`);
      continue;
    }
    if (signedZero && ci === 0 && !Object.is(gi, ci))
      assert.fail(`${what}: element ${i} is ${Object.is(gi, -0) ? "-0" : gi} on the GPU and ${Object.is(ci, -0) ? "-0" : ci} on the CPU`);
    const tol = atol + rtol * Math.abs(ci);
    if (!(gi === ci || Math.abs(gi - ci) <= tol)) assert.fail(`${what}: element ${i} is ${gi} on the GPU and ${ci} on the CPU (tolerance ${tol})`);
  }
}

const f32 = (v: number) => Math.fround(v);

test("np.mod and np.fmod equal the CPU exactly (the sign of ±0 included): ±∞ and NaN operands, zero divisors, quotients beyond 2²⁴, random values", {
  skip: SKIP,
}, async () => {
  const special = [0, -0, 1, -1, 2.5, -2.5, 3, -7, 1e-3, 1e30, -1e30, 16777217, Infinity, -Infinity, Number.NaN];
  const a: number[] = [],
    b: number[] = [];
  for (const x of special) for (const y of special) a.push(x), b.push(y);
  // random pairs, integers and fractions of both signs, with quotients up to 2⁴⁰ (where x − y·trunc(x/y) in f32 fails)
  const rnd = fc.sample(
    fc.tuple(
      fc.float({ min: Math.fround(-1e12), max: Math.fround(1e12), noNaN: true, noDefaultInfinity: true }),
      fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }),
    ),
    { numRuns: 300, seed: 2114 },
  );
  // no subnormal operands: SwiftShader flushes them to zero, which WGSL allows (docs/gpu.md)
  for (const [x, y] of rnd) a.push(f32(Math.abs(x) < 1e-30 ? 0 : x)), b.push(f32(Math.abs(y) < 1e-3 ? 0.37 : y));
  const A = np.array(Float32Array.from(a)),
    B = np.array(Float32Array.from(b));
  const gA = A.asInCtx(npx.gpu()),
    gB = B.asInCtx(npx.gpu());
  await assertClose(np.fmod(gA, gB), np.fmod(A, B), "fmod", 0, 0, true);
  await assertClose(np.mod(gA, gB), np.mod(A, B), "mod", 0, 0, true);
});

test("sin and cos equal Math.sin / Math.cos within 2⁻²² absolute for |x| < 8192 (Cephes' sinf / cosf; NaN for ±∞ and NaN)", { skip: SKIP }, async () => {
  // bound: reduction error below 2⁻²⁴·|x|/8192 + polynomial error ~1 ulp + the CPU's rounding of its f64 result to f32
  const xs = [0, -0, 0.5, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 3 * Math.PI, 100, -1000, 8000, Infinity, -Infinity, Number.NaN];
  xs.push(...fc.sample(fc.double({ min: -8000, max: 8000, noNaN: true }), { numRuns: 400, seed: 2115 }));
  const X = np.array(Float32Array.from(xs));
  const gX = X.asInCtx(npx.gpu());
  await assertClose(np.sin(gX), np.sin(X), "sin", 2 ** -22);
  await assertClose(np.cos(gX), np.cos(X), "cos", 2 ** -22);
});

test("erf equals the CPU's erf (≈1e-15) within 4e-7 absolute: A&S 7.1.26's bound 1.5e-7 plus float32 rounding near 1", { skip: SKIP }, async () => {
  const xs = [0, -0, 1e-6, 0.5, -0.5, 1, 2, -3, 5, 10, Infinity, -Infinity, Number.NaN];
  xs.push(...fc.sample(fc.double({ min: -6, max: 6, noNaN: true }), { numRuns: 400, seed: 2116 }));
  const X = np.array(Float32Array.from(xs));
  await assertClose(np.erf(X.asInCtx(npx.gpu())), np.erf(X), "erf", 4e-7);
});

test("gelu, prelu (per channel and shared α) and softsign with their gradients equal the CPU backend (property)", { skip: SKIP }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("gelu", "prelu", "prelu-shared", "softsign"), fc.integer({ min: 0, max: 1000 }), async (kind, seed) => {
      np.random.seed(seed);
      const x = np.random.uniform({ low: -3, high: 3, size: [2, 3, 4] });
      const alpha = np.random.uniform({ low: 0, high: 0.5, size: kind === "prelu-shared" ? [1] : [3] });
      const w = np.random.uniform({ low: -1, high: 1, size: [2, 3, 4] });
      const run = (xx: NDArray, aa: NDArray, ww: NDArray) => {
        xx.attachGrad();
        aa.attachGrad();
        const y = autograd.record(() =>
          kind === "gelu"
            ? npx.leakyRelu(xx, { actType: "gelu" })
            : kind === "softsign"
              ? npx.activation(xx, "softsign")
              : npx.leakyRelu(xx, { actType: "prelu", gamma: aa }),
        );
        autograd.record(() => y.mul(ww).sum()).backward();
        return y;
      };
      const g = [x, alpha, w].map((t) => t.asInCtx(npx.gpu()));
      const yc = run(x, alpha, w),
        yg = run(g[0]!, g[1]!, g[2]!);
      // gelu: ½x·erf error, |x| ≤ 3 → 3·4e-7/2 plus rounding
      await assertClose(yg, yc, `${kind}: value`, 1e-6, 1e-6);
      await assertClose(g[0]!.grad!, x.grad!, `${kind}: input gradient`, 1e-6, 1e-5);
      if (kind.startsWith("prelu")) await assertClose(g[1]!.grad!, alpha.grad!, `${kind}: α gradient`, 1e-5, 1e-5);
    }),
    { numRuns: 8, seed: 2117 },
  );
});
