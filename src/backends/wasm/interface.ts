// THE wasm interface, declared once: job record layouts, task kinds and the queue record. scripts/build-wasm.mjs
// generates assembly/interface.generated.ts (the AssemblyScript constants) from this file; plan.ts writes records
// through writeRecord, whose value type is derived from these layouts. A new field is one line here.

/** A field: one i32, one u32 address, or three of either (per spatial axis, leading axes padded to 3). */
export type FieldType = "i32" | "ptr" | "i32x3" | "ptrx3";
export type Layout = Readonly<Record<string, FieldType>>;

/**
 * GEMM job: C[M × N] = A·B, column n = ((b·U0 + t0)·U1 + t1)·U2 + t2, row k = ((c·T0 + j0)·T1 + j1)·T2 + j2;
 *   B[k][n] = SRC[b·SBATCH + c·SCHAN + Σ_e i_e·ST_e], i_e = t_e·MUL_e + OFFS_e[j_e], zero unless 0 ≤ i_e < S_e;
 *   DST[b·DBATCH + m·DCHAN + Σ_e t_e·DSTEP_e] += C[m][n]   (STORE = 1: = C + BIAS[m], the only writer; with STORE,
 *   RELU = 1: = max(v, 0), RELU = 2: = v > 0 ? v : SLOPE·v (SLOPE: float32 bits) and RELU = 3: hardswish (in float64,
 *   assembly/hardswish.ts) for v = C + BIAS[m], a layer's activation applied as the value is stored);
 *   A[m][k] = ASRC[m·AROW + c·ACHAN + L0[j0] + L1[j1] + L2[j2]], packed once per call into APK by pack tasks.
 */
const gemm = {
  M: "i32",
  K: "i32",
  APK: "ptr",
  SRC: "ptr",
  SBATCH: "i32",
  SCHAN: "i32",
  T: "i32x3",
  U: "i32x3",
  S: "i32x3",
  MUL: "i32x3",
  ST: "i32x3",
  OFFS: "ptrx3",
  DST: "ptr",
  DBATCH: "i32",
  DCHAN: "i32",
  DSTEP: "i32x3",
  ASRC: "ptr",
  AROW: "i32",
  ACHAN: "i32",
  L: "ptrx3",
  STORE: "i32",
  BIAS: "ptr",
  RELU: "i32",
  SLOPE: "i32",
} as const satisfies Layout;

/**
 * GEMM + col2im job (per image and group): C[position][icl·KP + tap] = Σ_k grid[k][position]·W[k·WK + icl·WICL +
 * tap·WTAP], then image[b, icl, q·STR − PB + a·D] += C (clipped to I), the image at DST + b·DBATCH + icl·DCHAN +
 * Σ_e i_e·DSTEP_e. Tasks own NICL image channels (BLOCKS blocks of ICPG) of IMGS images (of BATCH); FILL = 1: a task
 * first fills its channels with BIAS (ISP floats each). Fields mean the same in every layout that has them (DST, DBATCH,
 * DCHAN, DSTEP: where results go; BIAS, STORE as in gemm); STR is the convolution stride, S (gemm) a gather bound.
 */
const col2im = {
  M: "i32",
  K: "i32",
  APK: "ptr",
  W: "ptr",
  WK: "i32",
  WICL: "i32",
  WTAP: "i32",
  KP: "i32",
  KER: "i32x3",
  STR: "i32x3",
  D: "i32x3",
  PB: "i32x3",
  I: "i32x3",
  G: "i32x3",
  DST: "ptr",
  DBATCH: "i32",
  DCHAN: "i32",
  DSTEP: "i32x3",
  NICL: "i32",
  BLOCKS: "i32",
  ICPG: "i32",
  FILL: "i32",
  BIAS: "ptr",
  ISP: "i32",
  IMGS: "i32",
  BATCH: "i32",
} as const satisfies Layout;

/**
 * Wᵀ·grid + col2im job: the GEMM fields (A = the weights transposed, B = the grid gathered through the GEMM fields;
 * C goes to the task's scratch), then C[icl·KP + tap][position] is added into image b: the gemm record's DST, DBATCH,
 * DCHAN, DSTEP, BIAS and STORE describe the image, as they describe C's destination in a gemm job (geometry KER STR D PB
 * I as in col2im); GSP grid positions per image; STORE = 1: every image element is written once (k = s), C + BIAS stored.
 */
const wtx = {
  ...gemm,
  KP: "i32",
  NICL: "i32",
  BLOCKS: "i32",
  ICPG: "i32",
  FILL: "i32",
  ISP: "i32",
  KER: "i32x3",
  STR: "i32x3",
  D: "i32x3",
  PB: "i32x3",
  I: "i32x3",
  W: "ptr",
  WK: "i32",
  WICL: "i32",
  WTAP: "i32",
  GSP: "i32",
} as const satisfies Layout;

/**
 * Winograd job F(TILE×TILE, R×R), R = 2 or 3 with TILE = 2, or R = 3 with TILE = 4: one stride-1 2-D correlation (axes
 * 1 and 2 of the x3 fields; a phase of a transposed convolution with R taps per axis, or a k3 s1 convolution):
 * image[DST + b·DBATCH + m·DCHAN + Σ_e u_e·DSTEP_e] = BIAS[m] + Σ_k Σ_i src[SRC + b·SBATCH + k·SCHAN + Σ_e (u_e + BETA_e
 * + i_e)·ST_e]·g[m][k][i] for u_e < NT_e (src zero outside G), g[m][k][i1][i2] = W[k·WK + m·WM + WY[i1] + WX[i2]];
 * TT_e = ⌈NT_e/TILE⌉ tiles per axis; APK = the (TILE + R − 1)² transformed weight matrices U_ξ (Mp·K·4 bytes each,
 * compact 2-row panels), written by pack tasks; RELU = 1: max(·, 0) of every stored value.
 */
const wino = {
  M: "i32",
  K: "i32",
  APK: "ptr",
  SRC: "ptr",
  SBATCH: "i32",
  SCHAN: "i32",
  G: "i32x3",
  ST: "i32x3",
  BETA: "i32x3",
  TT: "i32x3",
  NT: "i32x3",
  DST: "ptr",
  DBATCH: "i32",
  DCHAN: "i32",
  DSTEP: "i32x3",
  BIAS: "ptr",
  W: "ptr",
  WK: "i32",
  WM: "i32",
  WY: "i32x3",
  WX: "i32x3",
  R: "i32",
  RELU: "i32",
  TILE: "i32",
} as const satisfies Layout;

/**
 * Depthwise job (channels first, one image channel per group: grid channel gc reads image channel gc / GCPG): plane
 * p = n·CG + gc of the grid, DST[p·∏G + q] = BIAS[gc] + Σ_a SRC[(n·CI + gc / GCPG)·∏I + q·STR − PB + a·D]·W[gc·∏KER + a]
 * over the taps a that land inside I; RELU as in gemm (1: max(·, 0), 2: leaky with SLOPE, 3: hardswish) applied to the stored values.
 * A task owns planes n0..n0+nc. L is the length of one stride phase of a padded image row (floats, a multiple of 4),
 * BAND how many grid rows along axis 1 share one copy of their image rows in the thread's scratch.
 */
const dw = {
  SRC: "ptr",
  W: "ptr",
  DST: "ptr",
  BIAS: "ptr",
  RELU: "i32",
  SLOPE: "i32",
  CI: "i32",
  CG: "i32",
  GCPG: "i32",
  KER: "i32x3",
  STR: "i32x3",
  D: "i32x3",
  PB: "i32x3",
  I: "i32x3",
  G: "i32x3",
  L: "i32",
  BAND: "i32",
} as const satisfies Layout;

/**
 * 2×2 max-pooling job, stride 2, no padding, channels first: plane p (of every image and channel),
 * DST[p·OH·OW + oh·OW + ow] = the first of SRC[p·H·W + (2oh + i)·W + 2ow + j], in row-major window order (i, j), unless a
 * later one is strictly greater (so a NaN counts only in the window's first place: poolForward's rule). A task owns
 * planes n0..n0+nc.
 */
const maxpool2 = {
  SRC: "ptr",
  DST: "ptr",
  H: "i32",
  W: "i32",
  OH: "i32",
  OW: "i32",
} as const satisfies Layout;

/** The record layouts, each with the AssemblyScript constant prefix it is generated under. */
export const LAYOUTS = { gemm, col2im, wtx, wino, dw, maxpool2 } as const;
export const PREFIX: Record<keyof typeof LAYOUTS, string> = { gemm: "J", col2im: "X", wtx: "Y", wino: "W", dw: "D", maxpool2: "P" };

/** Task kinds of the queue (assembly/index.ts run_queue dispatches on them). */
export const TASK = {
  /** GEMM columns n0..n0+nc of a gemm job */
  GEMM: 0,
  /** pack rows n0..n0+nc of a gemm job's A */
  PACK: 1,
  /** col2im task number n0 of a col2im job */
  COL2IM: 2,
  /** wtx task number n0 of a wtx job */
  WTX: 3,
  /** pack rows n0..n0+nc of a wtx job's A */
  WTX_PACK: 4,
  /** Winograd tiles n0..n0+nc of a wino job */
  WINO: 5,
  /** transform and pack rows n0..n0+nc of a wino job's (R + 1)² weight matrices */
  WINO_PACK: 6,
  /** depthwise planes n0..n0+nc of a dw job */
  DW: 7,
  /** planes n0..n0+nc of a maxpool2 job */
  MAXPOOL2: 8,
} as const;
export type TaskKind = (typeof TASK)[keyof typeof TASK];

/** Task record (u32 words): job address, first row/column or task number, count, kind. */
export const TASK_FIELDS = { JOB: 0, N0: 1, NC: 2, KIND: 3, WORDS: 4 } as const;
/** Queue record (u32 words): next task (atomic counter), task count, tasks address, C offset in the scratch (bytes). */
export const QUEUE_FIELDS = { NEXT: 0, COUNT: 1, TASKS: 2, COFF: 3, WORDS: 4 } as const;

const width = (t: FieldType) => (t.endsWith("x3") ? 3 : 1);

/** Word offset of every field, in declaration order. */
export function offsets<L extends Layout>(layout: L): { [K in keyof L]: number } {
  const out: Record<string, number> = {};
  let w = 0;
  for (const [k, t] of Object.entries(layout)) {
    out[k] = w;
    w += width(t);
  }
  return out as { [K in keyof L]: number };
}

const wordsOf = new Map<Layout, number>();

/** Words of a record (counted once per layout: every wasm call asks for each of its records). */
export function recordWords(layout: Layout): number {
  let n = wordsOf.get(layout);
  if (n === undefined) wordsOf.set(layout, (n = Object.values(layout).reduce((w, t) => w + width(t), 0)));
  return n;
}

/** The values a record needs: a number per scalar field, three per x3 field (checked by the type checker). */
export type RecordValues<L extends Layout> = { readonly [K in keyof L]: L[K] extends "i32x3" | "ptrx3" ? readonly number[] : number };

/** A record of zeros (for records that use a few fields and leave the rest 0). */
export function zeroRecord<L extends Layout>(layout: L): RecordValues<L> {
  const out: Record<string, number | number[]> = {};
  for (const [k, t] of Object.entries(layout)) out[k] = width(t) === 3 ? [0, 0, 0] : 0;
  return out as RecordValues<L>;
}

/** Writes one record at byte address `at` (i32 fields through I, addresses through U: the same memory). */
export function writeRecord<L extends Layout>(I: Int32Array, U: Uint32Array, at: number, layout: L, values: RecordValues<L>): void {
  let w = at >>> 2;
  for (const k in layout) {
    const t = layout[k]!;
    const v = values[k] as number | readonly number[];
    const view = t === "ptr" || t === "ptrx3" ? U : I;
    if (typeof v === "number") view[w++] = v;
    else for (let e = 0; e < 3; e++) view[w++] = v[e]!;
  }
}

/** assembly/interface.generated.ts: one `export const PREFIX_FIELD: i32 = word` per field, the task kinds and records. */
export function assemblyConstants(): string {
  let s = "// Generated by scripts/build-wasm.mjs from src/backends/wasm/interface.ts: record word offsets and task kinds. Do not edit.\n";
  for (const [name, layout] of Object.entries(LAYOUTS) as [keyof typeof LAYOUTS, Layout][]) {
    s += `\n// ${name} record (${recordWords(layout)} words)\n`;
    for (const [k, w] of Object.entries(offsets(layout))) s += `export const ${PREFIX[name]}_${k}: i32 = ${w};\n`;
  }
  s += "\n// task kinds\n";
  for (const [k, v] of Object.entries(TASK)) s += `export const TASK_${k}: i32 = ${v};\n`;
  for (const [k, v] of Object.entries(TASK_FIELDS)) s += `export const TASK_${k === "WORDS" ? "WORDS" : `F_${k}`}: i32 = ${v};\n`;
  for (const [k, v] of Object.entries(QUEUE_FIELDS)) s += `export const QUEUE_${k}: i32 = ${v};\n`;
  return s;
}
