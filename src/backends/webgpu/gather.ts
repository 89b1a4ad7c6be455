// WebGPU table-driven copies: resampling along one axis and its adjoint, the padding-mode gather (pad, take) and its
// adjoint fold, and the per-channel fill; every adjoint is a gather through an inverse table (no float atomics).
import type { AxisTaps } from "../../params/kernel-records.js";
import { type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { dispatch, grid2d } from "./pipelines.js";
import { upload } from "./transfer.js";

// One thread per output element, 256 per workgroup; consecutive threads take consecutive elements of the innermost
// axis, so reads and writes are coalesced wherever the tables leave the innermost axis alone (resampling an outer axis,
// padding rows). The tables are a few KiB uploaded per call.
const WORKGROUP = 256;
/** Axes a pad / fold kernel handles (the uniform block holds one vec4 per axis). */
const MAX_RANK = 8;

/** Int32 values as the bytes of a Float32Array, for upload: the kernels read them back as i32 bits. */
const bits = (v: Int32Array): Float32Array => new Float32Array(v.buffer, v.byteOffset, v.length);

/** A tables buffer uploaded for one call and released once the call is queued (the pool keeps queued work valid). */
function withTable<T>(data: Float32Array, op: string, body: (t: GpuTensor) => T): T {
  const t = upload(data.length > 0 ? data : new Float32Array(1), op);
  try {
    return body(t);
  } finally {
    releaseTensor(t);
  }
}

/** The uniform block: total, threads per grid row, 0, 0, then `rest`, zero-filled to `vec4s` vec4s (the WGSL size). */
function header(total: number, groupsX: number, rest: readonly number[], vec4s = 2): Int32Array {
  const u = new Int32Array(Math.max(4 + rest.length, 4 * vec4s));
  u.set([total, groupsX * WORKGROUP, 0, 0]);
  u.set(rest, 4);
  return u;
}

const MAIN = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = i32(gid.y) * u[0].y + i32(gid.x);
  if (idx >= u[0].x) { return; }`;

// ---- resampling: out[a, o, j] = l0[o]·x[a, i0[o], j] + l1[o]·x[a, i1[o], j] ----

// taps = [i0 | i1 (i32 bits) | l0 | l1], outSize each; u[1] = inSize, outSize, inner. A zero second weight skips its
// tap, as the CPU loop does (0·∞ would be NaN).
const RESAMPLE = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> taps: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<i32>, 2>;
${MAIN}
  let inSize = u[1].x;
  let outSize = u[1].y;
  let inner = u[1].z;
  let j = idx % inner;
  let r = idx / inner;
  let o = r % outSize;
  let base = (r / outSize) * inSize;
  let w0 = taps[2 * outSize + o];
  let w1 = taps[3 * outSize + o];
  let p = w0 * x[(base + bitcast<i32>(taps[o])) * inner + j];
  if (w1 == 0.0) { y[idx] = p; return; }
  y[idx] = p + w1 * x[(base + bitcast<i32>(taps[outSize + o])) * inner + j];
}`;

// inverse taps = [start (inSize + 1) | o (nnz) (i32 bits) | w (nnz)]: the outputs o each input i feeds, with weights,
// in increasing o; dx[a, i, j] = Σ w·g[a, o, j]. u[1] = inSize, outSize, inner, nnz.
const RESAMPLE_ADJOINT = `@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> inv: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<i32>, 2>;
${MAIN}
  let inSize = u[1].x;
  let outSize = u[1].y;
  let inner = u[1].z;
  let nnz = u[1].w;
  let j = idx % inner;
  let r = idx / inner;
  let i = r % inSize;
  let base = (r / inSize) * outSize;
  var s = 0.0;
  let e1 = bitcast<i32>(inv[i + 1]);
  for (var e = bitcast<i32>(inv[i]); e < e1; e++) {
    let o = bitcast<i32>(inv[inSize + 1 + e]);
    s += inv[inSize + 1 + nnz + e] * g[(base + o) * inner + j];
  }
  dx[idx] = s;
}`;

/** Packs taps for the forward kernel. */
function packTaps(t: AxisTaps): Float32Array {
  const n = t.i0.length;
  const out = new Float32Array(4 * n);
  out.set(bits(t.i0), 0);
  out.set(bits(t.i1), n);
  out.set(t.l0, 2 * n);
  out.set(t.l1, 3 * n);
  return out;
}

/** The inverse of the taps: for each input i, the (o, weight) pairs that read it (a zero second weight is no tap). */
function invertTaps(t: AxisTaps, inSize: number): { packed: Float32Array; nnz: number } {
  const n = t.i0.length;
  const count = new Int32Array(inSize + 1);
  for (let o = 0; o < n; o++) {
    count[t.i0[o]! + 1]!++;
    if (t.l1[o] !== 0) count[t.i1[o]! + 1]!++;
  }
  for (let i = 0; i < inSize; i++) count[i + 1]! += count[i]!;
  const nnz = count[inSize]!;
  const os = new Int32Array(nnz),
    ws = new Float32Array(nnz);
  const fill = count.slice(0, inSize);
  for (let o = 0; o < n; o++) {
    let k = fill[t.i0[o]!]!++;
    os[k] = o;
    ws[k] = t.l0[o]!;
    if (t.l1[o] !== 0) {
      k = fill[t.i1[o]!]!++;
      os[k] = o;
      ws[k] = t.l1[o]!;
    }
  }
  const packed = new Float32Array(inSize + 1 + 2 * nnz);
  packed.set(bits(count), 0);
  packed.set(bits(os), inSize + 1);
  packed.set(ws, inSize + 1 + nnz);
  return { packed, nnz };
}

/** x [outer, inSize, inner] → out [outer, taps.i0.length, inner]. */
export function resampleAxisGpu(x: GpuTensor, outer: number, inSize: number, inner: number, taps: AxisTaps, out: GpuTensor): void {
  const op = "resample / upsampling (webgpu)";
  const outSize = taps.i0.length;
  const total = outer * outSize * inner;
  if (total === 0) return;
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  withTable(packTaps(taps), op, (t) => dispatch(op, RESAMPLE, [x, t, out], groups, header(total, groups[0], [inSize, outSize, inner, 0])));
}

/** The transpose: g [outer, outSize, inner] → dx [outer, inSize, inner] (every element written). */
export function resampleAxisAdjointGpu(g: GpuTensor, outer: number, inSize: number, inner: number, taps: AxisTaps, dx: GpuTensor): void {
  const op = "resample / upsampling gradient (webgpu)";
  const total = outer * inSize * inner;
  if (total === 0) return;
  const { packed, nnz } = invertTaps(taps, inSize);
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  withTable(packed, op, (t) => dispatch(op, RESAMPLE_ADJOINT, [g, t, dx], groups, header(total, groups[0], [inSize, taps.i0.length, inner, nnz])));
}

// ---- pad gather and fold: big[t₀, …] = small[tables₀[t₀], …] (0 where an entry is −1) and its adjoint ----

// u[1 + k] = bigShape[k], smallStride[k], start of axis k's table in `tbl` (−1: the identity); axes walked last first
const PAD = `@group(0) @binding(0) var<storage, read> small: array<f32>;
@group(0) @binding(1) var<storage, read> tbl: array<i32>;
@group(0) @binding(2) var<storage, read_write> big: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<i32>, ${MAX_RANK + 1}>;
${MAIN}
  var r = idx;
  var src = 0;
  var inside = true;
  for (var k = u[0].z - 1; k >= 0; k--) {
    let a = u[1 + k];
    let t = r % a.x;
    r = r / a.x;
    var s = t;
    if (a.z >= 0) { s = tbl[a.z + t]; }
    if (s < 0) { inside = false; }
    src += s * a.y;
  }
  big[idx] = select(0.0, small[max(src, 0)], inside);
}`;

// small[s₀, …] += Σ big[t₀, …] over every t with tables_k[t_k] = s_k on each axis: the inverse table of axis k lists,
// for each small index, the big indices that read it (tbl[start + s] … tbl[start + s + 1] index the entries).
// u[1 + k] = smallShape[k], bigStride[k], start of axis k's inverse offsets (−1: the identity), start of its entries.
const FOLD = `@group(0) @binding(0) var<storage, read> big: array<f32>;
@group(0) @binding(1) var<storage, read> tbl: array<i32>;
@group(0) @binding(2) var<storage, read_write> small: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<i32>, ${MAX_RANK + 1}>;
${MAIN}
  let rank = u[0].z;
  var first: array<i32, ${MAX_RANK}>;
  var count: array<i32, ${MAX_RANK}>;
  var pos: array<i32, ${MAX_RANK}>;
  var r = idx;
  var combos = 1;
  for (var k = rank - 1; k >= 0; k--) {
    let a = u[1 + k];
    let s = r % a.x;
    r = r / a.x;
    if (a.z < 0) { first[k] = -1 - s; count[k] = 1; }
    else { first[k] = tbl[a.z + s]; count[k] = tbl[a.z + s + 1] - first[k]; }
    pos[k] = 0;
    combos *= count[k];
  }
  var acc = 0.0;
  for (var c = 0; c < combos; c++) {
    var b = 0;
    for (var k = 0; k < rank; k++) {
      let a = u[1 + k];
      var t = -1 - first[k];
      if (a.z >= 0) { t = tbl[a.w + first[k] + pos[k]]; }
      b += t * a.y;
    }
    acc += big[b];
    for (var k = rank - 1; k >= 0; k--) {
      pos[k] += 1;
      if (pos[k] < count[k]) { break; }
      pos[k] = 0;
    }
  }
  small[idx] += acc;
}`;

function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let k = shape.length - 1, m = 1; k >= 0; m *= shape[k]!, k--) s[k] = m;
  return s;
}

function checkRank(op: string, rank: number): void {
  if (rank > MAX_RANK) throw new Error(`${op}: ${rank} axes; the WebGPU kernel handles up to ${MAX_RANK}`);
}

/** big (every element) ← small gathered through the tables. */
export function padGatherGpu(
  small: GpuTensor,
  smallShape: readonly number[],
  tables: readonly (Int32Array | null)[],
  big: GpuTensor,
  bigShape: readonly number[],
): void {
  const op = "pad / take (webgpu)";
  checkRank(op, bigShape.length);
  const total = bigShape.reduce((p, d) => p * d, 1);
  if (total === 0) return;
  const strides = rowMajor(smallShape);
  const starts: number[] = [];
  let len = 0;
  for (const t of tables) {
    starts.push(t ? len : -1);
    len += t ? t.length : 0;
  }
  const packed = new Int32Array(len);
  tables.forEach((t, k) => {
    if (t) packed.set(t, starts[k]!);
  });
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  const u = header(
    total,
    groups[0],
    bigShape.flatMap((d, k) => [d, strides[k]!, starts[k]!, 0]),
    MAX_RANK + 1,
  );
  u[2] = bigShape.length;
  withTable(bits(packed), op, (t) => dispatch(op, PAD, [small, t, big], groups, u));
}

/** small += every element of big added onto its source (the adjoint of padGatherGpu). */
export function foldScatterGpu(
  big: GpuTensor,
  bigShape: readonly number[],
  tables: readonly (Int32Array | null)[],
  small: GpuTensor,
  smallShape: readonly number[],
): void {
  const op = "pad / take gradient (webgpu)";
  checkRank(op, smallShape.length);
  const total = smallShape.reduce((p, d) => p * d, 1);
  if (total === 0) return;
  const strides = rowMajor(bigShape);
  // per axis with a table: offsets (small size + 1), then the big indices grouped by the small index they read
  const parts: Int32Array[] = [];
  const meta: number[] = [];
  let len = 0;
  tables.forEach((t, k) => {
    const n = smallShape[k]!;
    if (!t) {
      meta.push(n, strides[k]!, -1, -1);
      return;
    }
    const off = new Int32Array(n + 1);
    for (const s of t) if (s >= 0) off[s + 1]!++;
    for (let s = 0; s < n; s++) off[s + 1]! += off[s]!;
    const entries = new Int32Array(off[n]!);
    const fill = off.slice(0, n);
    t.forEach((s, i) => {
      if (s >= 0) entries[fill[s]!++] = i;
    });
    // the offsets index entries relative to the entries' start, which the kernel adds (u.w)
    meta.push(n, strides[k]!, len, len + n + 1);
    parts.push(off, entries);
    len += n + 1 + entries.length;
  });
  const packed = new Int32Array(len);
  let at = 0;
  for (const p of parts) {
    packed.set(p, at);
    at += p.length;
  }
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  const u = header(total, groups[0], meta, MAX_RANK + 1);
  u[2] = smallShape.length;
  withTable(bits(packed), op, (t) => dispatch(op, FOLD, [big, t, small], groups, u));
}

const FILL = `@group(0) @binding(0) var<storage, read> bias: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: array<vec4<i32>, 2>;
${MAIN}
  out[idx] = bias[(idx / u[1].y) % u[1].x];
}`;

/** out[…, c, …] = bias[c] along `axis` of `shape`. */
export function fillChannelsGpu(out: GpuTensor, shape: readonly number[], axis: number, bias: GpuTensor): void {
  const total = shape.reduce((p, d) => p * d, 1);
  if (total === 0) return;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  dispatch("fill channels (webgpu)", FILL, [bias, out], groups, header(total, groups[0], [shape[axis]!, inner, 0, 0]));
}
