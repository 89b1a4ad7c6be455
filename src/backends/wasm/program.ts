// The one pipeline every wasm call goes through: reserve → copy in → write records → run the queues → copy out.
import { runtime, soloRuntime } from "./runtime.js";
import { hooks } from "../hooks.js";
import { activeRecycleScope } from "../../ndarray/recycle.js";
import { runQueue } from "./pool.js";
import { threadPolicy } from "./thread-policy.js";
import { type Layout, QUEUE_FIELDS, type RecordValues, recordWords, type TaskKind, TASK_FIELDS, writeRecord } from "./interface.js";

/** Byte addresses of a program's arena regions, known once everything is reserved. */
export interface Addresses {
  /** the i-th input operand (float32, copied in) */
  input(i: number): number;
  /** the destination (float32, copied out) */
  readonly out: number;
  /** the i-th work region (e.g. packed A panels) */
  region(i: number): number;
  /** the i-th int32 table (copied in) */
  table(i: number): number;
  /** the i-th job record */
  record(i: number): number;
}

/** One job record: its layout (interface.ts) and its values once the addresses are known. */
export interface JobRecord<L extends Layout = Layout> {
  readonly layout: L;
  readonly values: (at: Addresses) => RecordValues<L>;
}

/** A record with its layout's type tied to its values (keeps the type check on each planner's record). */
export function job<L extends Layout>(layout: L, values: (at: Addresses) => RecordValues<L>): JobRecord {
  return { layout, values } as unknown as JobRecord;
}

/** A task: [record index, first row/column or task number, count, kind]. */
export type TaskSpec = readonly [record: number, n0: number, nc: number, kind: TaskKind];

/** What a planner describes: operands, regions, tables, records, the two task lists, and the threads' scratch. */
export interface Program {
  /** names the operation in memory errors */
  readonly op: string;
  readonly inputs: readonly Float32Array[];
  readonly outLen: number;
  /** where the result goes (outLen elements), instead of a new array; the program then returns it */
  readonly into?: Float32Array;
  /** fills the destination before the tasks run; null when the tasks write (or fill) every element themselves */
  readonly fill: ((F: Float32Array, at: number) => void) | null;
  /** work regions, in bytes */
  readonly regions: readonly number[];
  readonly tables: readonly Int32Array[];
  readonly records: readonly JobRecord[];
  /** run first, by every thread (packing); the hand-off between the two lists is the barrier */
  readonly packTasks: readonly TaskSpec[];
  readonly tasks: readonly TaskSpec[];
  /** per-thread scratch bytes and the offset of its C block */
  readonly scratchBytes: number;
  readonly cOff: number;
  readonly threads: number;
  /**
   * added to the destination once every task has run (dst + residual, one float32 rounding per element, as a separate
   * Add of the finished result), outLen floats: a convolution fused with the residual Add after it; null or absent for none
   */
  readonly residual?: Float32Array | null;
}

/** Results whose every element the wasm side found finite (dispatch's overflow check asks the backend, not the elements). */
const finiteResults = new WeakSet<Float32Array>();

/** True when `out` came from runProgram and all its elements are finite. */
export function knownFinite(out: Float32Array): boolean {
  return finiteResults.has(out);
}

/** Runs a program and returns its destination, copied out of the arena. */
export function runProgram(p: Program): Float32Array {
  const threads = Math.max(1, Math.min(p.threads, Math.max(p.tasks.length, 1)));
  // one thread: the plain memory, whose copies in and out are 2–4× faster (runtime.ts, soloRuntime)
  const solo = threads === 1;
  const rt = solo ? soloRuntime() : runtime();
  rt.reset();
  const inAt = p.inputs.map((a) => rt.reserve(a.length * 4));
  const outAt = rt.reserve(p.outLen * 4);
  const regionAt = p.regions.map((b) => rt.reserve(b));
  const tableAt = p.tables.map((t) => rt.reserve(t.length * 4));
  const recordAt = p.records.map((r) => rt.reserve(recordWords(r.layout) * 4));
  const residualAt = p.residual ? rt.reserve(p.outLen * 4) : 0;
  const lists = [p.packTasks, p.tasks].map((list) => ({
    list,
    tasksAt: rt.reserve(Math.max(1, list.length) * TASK_FIELDS.WORDS * 4),
    queueAt: rt.reserve(64),
  }));
  const scratch: number[] = [];
  for (let t = 0; t < threads; t++) scratch.push(rt.reserve(p.scratchBytes));
  rt.commit(p.op);
  hooks.lastTasks = p.tasks; // a reference, no copy: this runs on every call
  hooks.lastRuntimeShared = rt.shared;

  const F = rt.F32,
    U = rt.U32,
    I = rt.I32;
  p.inputs.forEach((a, i) => F.set(a, inAt[i]! >>> 2));
  p.tables.forEach((t, i) => I.set(t, tableAt[i]! >>> 2));
  if (p.residual) F.set(p.residual, residualAt >>> 2);
  if (p.fill) p.fill(F, outAt >>> 2);
  const at: Addresses = { input: (i) => inAt[i]!, out: outAt, region: (i) => regionAt[i]!, table: (i) => tableAt[i]!, record: (i) => recordAt[i]! };
  p.records.forEach((r, i) => writeRecord(I, U, recordAt[i]!, r.layout, r.values(at)));
  for (const { list, tasksAt, queueAt } of lists) {
    if (list.length === 0) continue;
    let w = tasksAt >>> 2;
    for (const [r, n0, nc, kind] of list) {
      U[w + TASK_FIELDS.JOB] = recordAt[r]!;
      U[w + TASK_FIELDS.N0] = n0;
      U[w + TASK_FIELDS.NC] = nc;
      U[w + TASK_FIELDS.KIND] = kind;
      w += TASK_FIELDS.WORDS;
    }
    const q = queueAt >>> 2;
    U[q + QUEUE_FIELDS.NEXT] = 0;
    U[q + QUEUE_FIELDS.COUNT] = list.length;
    U[q + QUEUE_FIELDS.TASKS] = tasksAt;
    U[q + QUEUE_FIELDS.COFF] = p.cOff;
    runQueue(queueAt, scratch, solo);
  }
  // the policy times the kernels alone: the copy-out below costs both arms the same, and its page faults (a fresh
  // output: 20 to 55 ms for the same 8 MB call on this VM) would bury the difference the thread count makes
  threadPolicy.settle();
  if (p.residual) rt.exports.add_residual(outAt, residualAt, p.outLen);
  // outside a recycling scope, slice copies into a fresh (non-shared) buffer in one pass without zero-filling it first;
  // inside one, a released array of the same length is reused (no page faults on the copy)
  const scope = activeRecycleScope();
  const reused = p.into ?? ((scope?.take("float32", p.outLen, false) ?? null) as Float32Array | null);
  const out = reused ?? rt.F32.slice(outAt >>> 2, (outAt >>> 2) + p.outLen);
  if (reused) reused.set(rt.F32.subarray(outAt >>> 2, (outAt >>> 2) + p.outLen));
  else scope?.noteBorn(out);
  // (a reused array may carry an earlier result's mark)
  if (rt.exports.all_finite(outAt, p.outLen) === 1) finiteResults.add(out);
  else finiteResults.delete(out);
  return out;
}
