// The recording and training-mode state, and the tape links that ops leave on their outputs while autograd records.
import type { NDArray } from "../ndarray/ndarray.js";
import { readBoolean, snapshotOptions } from "../params/options.js";
import type { OpAttrs, OpName, TapeNodeOf } from "./op-types.js";

export type { OpAttrs, OpName, TapeNode, TapeNodeOf } from "./op-types.js";

let recording = false;
let training = false;

export function isRecording(): boolean {
  return recording;
}

/** True in training mode: BatchNorm uses batch statistics, Dropout drops. Outside `record` it is false (predict mode). */
export function isTraining(): boolean {
  return training;
}

function checkFn(fn: unknown, name: string): void {
  if (typeof fn !== "function") throw new Error(`autograd.${name}: expects a function to run, got ${fn === null ? "null" : typeof fn}`);
}

function withState<T>(rec: boolean, train: boolean, fn: () => T): T {
  const before = [recording, training] as const;
  recording = rec;
  training = train;
  try {
    return fn();
  } finally {
    [recording, training] = before;
  }
}

function readTrainMode(name: string, options: unknown, dflt: boolean): boolean {
  if (options === undefined) return dflt;
  // own keys only (params/options.ts): an Object.prototype.trainMode cannot switch the mode
  return readBoolean(`autograd.${name}`, "trainMode", snapshotOptions(`autograd.${name}`, options, ["trainMode"]).trainMode, dflt);
}

/**
 * Runs `fn` with recording on; ops inside it whose inputs need gradients are put on the tape. `trainMode`
 * (default true, as MXNet's `record(train_mode=True)`) chooses training or predict behaviour of BatchNorm and Dropout.
 */
export function record<T>(fn: () => T, options?: { trainMode?: boolean }): T {
  checkFn(fn, "record");
  const out = withState(true, readTrainMode("record", options, true), fn);
  // recording is switched off when fn returns, so the part of an async fn after its first await would run unrecorded
  // and a later backward would find no graph
  if (out !== null && typeof out === "object" && typeof (out as { then?: unknown }).then === "function")
    throw new Error(
      "autograd.record: the function returned a Promise (an async function?). Recording is synchronous: it stops when the " +
        "function returns, so ops after an await would not be recorded. Await the data first, then call autograd.record with a synchronous function",
    );
  return out;
}

/** Runs `fn` with recording off, even inside `record`; `trainMode` defaults to false (predict), as MXNet's `pause`. */
export function pause<T>(fn: () => T, options?: { trainMode?: boolean }): T {
  checkFn(fn, "pause");
  return withState(false, readTrainMode("pause", options, false), fn);
}

/** Runs `fn` in training mode without changing whether autograd records. */
export function trainMode<T>(fn: () => T): T {
  checkFn(fn, "trainMode");
  return withState(recording, true, fn);
}

/** Runs `fn` in predict mode without changing whether autograd records. */
export function predictMode<T>(fn: () => T): T {
  checkFn(fn, "predictMode");
  return withState(recording, false, fn);
}

/** True when gradients can flow into `x`: it was marked with attachGrad or computed from such arrays on the tape. */
export function needsGrad(x: NDArray): boolean {
  return x.gradReq !== null || x.tapeNode !== null;
}

/** Sees every op that calls recordOp (recording or not): how onnx.exportModel learns which ops a forward runs. */
export type OpTracer = (node: TapeNodeOf<OpName>, output: NDArray) => void;
let tracer: OpTracer | null = null;

/** Told of every in-place write (set, iadd…, out=) while a trace runs: `target` is written from `sources`. */
export type InPlaceObserver = (target: NDArray, sources: readonly NDArray[], op: string) => void;
let inPlaceObserver: InPlaceObserver | null = null;

/** Runs `fn` with `trace` told of every op (and `onWrite` of every in-place write); tracing does not nest. */
export function withTracer<T>(trace: OpTracer, fn: () => T, onWrite: InPlaceObserver | null = null): T {
  if (tracer) throw new Error("onnx.exportModel: a trace is already running (exportModel cannot be called from inside a traced forward)");
  tracer = trace;
  inPlaceObserver = onWrite;
  try {
    return fn();
  } finally {
    tracer = null;
    inPlaceObserver = null;
  }
}

/** True while an export trace runs. */
export function tracing(): boolean {
  return tracer !== null;
}

/**
 * Runs `fn` hidden from the trace: a composed op (npx.gridSample's gathers) computes its result, then names itself to
 * the tracer once with traceOp, as the single ONNX node it is. Recording for autograd goes on as usual.
 */
export function untraced<T>(fn: () => T): T {
  const saved = tracer;
  tracer = null;
  try {
    return fn();
  } finally {
    tracer = saved;
  }
}

/** Tells the tracer (only) that `output` is op(inputs): the tape keeps the composition `output` was recorded as. */
export function traceOp<K extends OpName>(op: K, inputs: readonly NDArray[], output: NDArray, attrs: OpAttrs[K]): NDArray {
  if (tracer) tracer({ op, inputs, attrs }, output);
  return output;
}

/** Called by in-place writes before they write: a trace cannot record them, so the tracer may refuse (throw). */
export function noteInPlaceWrite(target: NDArray, sources: readonly NDArray[], op: string): void {
  if (inPlaceObserver) inPlaceObserver(target, sources, op);
}

/** True while ops are recorded for autograd or traced for export: fused shortcuts must then run the separate ops. */
export function opsObserved(): boolean {
  return recording || tracer !== null;
}

/** Links `output` to its inputs when recording and some input needs a gradient, and tells the tracer. Returns `output`. */
export function recordOp<K extends OpName>(op: K, inputs: readonly NDArray[], output: NDArray, attrs: OpAttrs[K]): NDArray {
  if (!recording && !tracer) return output;
  const node: TapeNodeOf<K> = { op, inputs, attrs };
  if (recording && inputs.some(needsGrad)) output.tapeNode = node;
  if (tracer) tracer(node, output);
  return output;
}

/**
 * The op that computed `x` on the tape, typed by the catalogue. Only recordOp writes `tapeNode` (always a node built
 * from a catalogued op), which is why reading it back as the catalogue's union is sound.
 */
export function nodeOf(x: NDArray): TapeNodeOf<OpName> | null {
  return x.tapeNode as TapeNodeOf<OpName> | null;
}
