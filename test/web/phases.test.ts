// The explorer's phase view and channel state in Node: tap sets per phase against a direct count of writes, phase
// sums against direct loops over the kernel, the grouped model against the direct transposed-convolution loops.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveConv } from "../../src/index.js";
import { directConvTranspose, maxAbsDiff } from "../helpers/conv-direct.js";
import { compute } from "../../web/src/model.js";
import { axisPhases, phaseData, phaseVerdict } from "../../web/src/phases.js";
import { fitK, fitX, stateFromQuery, stateToQuery } from "../../web/src/state.js";

/** Writes landing on canvas position f of a padding-free 1-D transposed convolution: #(i, a) with i·s + a·d = f. */
function writes(n: number, k: number, s: number, d: number, f: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) if (i * s + a * d === f) c++;
  return c;
}

test("axisPhases: phase r's taps are the writes every interior position ≡ r (mod s) receives (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), (k, s, d) => {
      const phases = axisPhases(k, s, d);
      assert.equal(phases.length, s);
      const n = Math.ceil(((k - 1) * d) / s) + 3;
      // interior: every tap of every input element can reach it
      for (let f = (k - 1) * d; f <= (n - 1) * s; f++) assert.equal(phases[f % s]!.taps.length, writes(n, k, s, d, f), `k=${k} s=${s} d=${d} f=${f}`);
    }),
  );
});

test("phaseData for k3 s2: sub-kernels 2×2, 2×1, 1×2, 1×1 with the kernel's phase sums; verdict uneven", () => {
  const c = compute(stateFromQuery("?x=[[1,1,1],[1,1,1],[1,1,1]]&k=[[1,2,3],[4,5,6],[7,8,9]]&strides=2"));
  assert.ok(c.ok);
  const pd = phaseData(c.model);
  assert.deepEqual(
    pd.phases.map((p) => p.size.join("×")),
    ["2×2", "2×1", "1×2", "1×1"],
  );
  assert.deepEqual(
    pd.phases.map((p) => p.sub!.tolist()),
    [
      [
        [1, 3],
        [7, 9],
      ],
      [[2], [8]],
      [[4, 6]],
      [[5]],
    ],
  );
  assert.deepEqual(
    pd.phases.map((p) => p.sum),
    [20, 10, 10, 5],
  );
  assert.equal(phaseVerdict(pd).even, false);
});

test("phaseData sums equal direct loops and the library's output for an all-ones input (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 2 }),
      fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 25, maxLength: 25 }),
      (kh, kw, sh, sw, d, vals) => {
        const K = Array.from({ length: kh }, (_, a) => Array.from({ length: kw }, (_, b) => vals[a * 5 + b]!));
        const c = compute(stateFromQuery(`?x=[[1,2],[3,4]]&k=${JSON.stringify(K)}&strides=${sh},${sw}&dilation=${d}`));
        assert.ok(c.ok, c.ok ? "" : c.error);
        const pd = phaseData(c.model);
        assert.equal(pd.phases.length, sh * sw);
        for (const p of pd.phases) {
          let want = 0;
          for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) if ((a * d) % sh === p.r[0] && (b * d) % sw === p.r[1]) want += K[a]![b]!;
          assert.equal(p.sum, want, `phase ${p.r} of ${JSON.stringify(K)} s=${sh},${sw} d=${d}`);
          assert.equal(p.constantOutput, want);
        }
        // "even" is the overlap map's verdict: equal tap counts per phase on both axes
        const evenAxis = (k: number, s: number) => new Set(axisPhases(k, s, d).map((q) => q.taps.length)).size === 1;
        assert.equal(pd.evenSize, evenAxis(kh, sh) && evenAxis(kw, sw));
      },
    ),
    { numRuns: 60 },
  );
});

test("channels in the URL: cin/cout/groups round-trip, missing x/k are spread over the channels", () => {
  const s = stateFromQuery("?cin=4&cout=2&groups=2&strides=2");
  assert.deepEqual([s.cin, s.cout, s.groups], [4, 2, 2]);
  assert.equal((s.x as unknown[]).length, 4);
  assert.deepEqual(
    (s.k as unknown[][]).map((r) => r.length),
    [1, 1, 1, 1],
  ); // [Cin, Cout/g, …]
  const back = stateFromQuery(stateToQuery(s));
  assert.deepEqual(back, s);
  assert.doesNotMatch(stateToQuery(stateFromQuery("?strides=2")), /cin=/); // one channel: the old URLs
  assert.deepEqual(fitX([[1, 2]], 1, 3), [[[1, 2]], [[2, 3]], [[3, 4]]]);
  assert.deepEqual(fitX([[[1]], [[2]], [[3]]], 3, 1), [[1]]);
  assert.deepEqual(fitK([[1]], null, [2, 2]), [
    [[[1]], [[2]]],
    [[[2]], [[3]]],
  ]);
  assert.deepEqual(
    fitK(
      [
        [[[1]], [[2]]],
        [[[2]], [[3]]],
      ],
      [2, 2],
      null,
    ),
    [[1]],
  );
});

test("the grouped model's printed result is the direct loops' transposed convolution", () => {
  const x = [
    [
      [0, 1],
      [2, 3],
    ],
    [
      [1, 0],
      [0, 1],
    ],
    [
      [2, 1],
      [1, 0],
    ],
    [
      [0, 0],
      [1, 2],
    ],
  ];
  const k = [
    [
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [
      [
        [1, 1],
        [0, 1],
      ],
    ],
    [
      [
        [2, 0],
        [1, 1],
      ],
    ],
    [
      [
        [1, 2],
        [3, 0],
      ],
    ],
  ];
  const c = compute(stateFromQuery(`?cin=4&cout=2&groups=2&x=${JSON.stringify(x)}&k=${JSON.stringify(k)}&strides=2`), [2, 1]);
  assert.ok(c.ok);
  const g = resolveConv("deconvolution", [1, 4, 2, 2], [4, 1, 2, 2], { strides: 2, groups: 2 }).geometry;
  const want = directConvTranspose(g, x.flat(2), k.flat(3), null);
  assert.ok(maxAbsDiff(c.model.channels.result.asTypedArray(), want) === 0);
  // the shown pair: x[2] → y[1] through k[2, 0]; its share is the single-channel op
  assert.deepEqual([c.model.channels.ci, c.model.channels.co, c.model.channels.kIndex], [2, 1, [2, 0]]);
  const g1 = resolveConv("deconvolution", [1, 1, 2, 2], [1, 1, 2, 2], { strides: 2 }).geometry;
  assert.ok(maxAbsDiff(c.model.out.asTypedArray(), directConvTranspose(g1, x[2]!.flat(), k[2]![0]!.flat(), null)) === 0);
});

test("paddingMode in the URL: read, written only when not zeros, passed to the library", () => {
  const s = stateFromQuery("?x=[[1,2,3],[4,5,6],[7,8,9]]&k=[[1,1],[1,1]]&padding=1&paddingMode=reflect");
  assert.equal(s.paddingMode, "reflect");
  assert.match(stateToQuery(s), /&paddingMode=reflect/);
  assert.doesNotMatch(stateToQuery({ ...s, paddingMode: "zeros" }), /paddingMode/);
  const c = compute(s);
  assert.ok(c.ok);
  assert.equal(c.model.resolved.paddingMode, "reflect");
  // the library rejects an unknown mode, with its own message
  const bad = compute(stateFromQuery("?padding=1&paddingMode=mirror"));
  assert.ok(!bad.ok && /paddingMode/.test(bad.error), bad.ok ? "" : bad.error);
});
