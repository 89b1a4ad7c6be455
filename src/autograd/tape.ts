// The recording state and the tape links that ops leave on their outputs while autograd records.
import type { NDArray } from "../ndarray/ndarray.js";

/** What one recorded op left on its output: enough for its gradient rule to run later. */
export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly NDArray[];
  /** op-specific values the gradient rule needs (axes, conv geometry, index…) */
  readonly attrs: Readonly<Record<string, unknown>>;
}

let recording = false;

export function isRecording(): boolean {
  return recording;
}

function withRecording<T>(on: boolean, fn: () => T, name: string): T {
  if (typeof fn !== "function") throw new Error(`autograd.${name}: expects a function to run, got ${fn === null ? "null" : typeof fn}`);
  const before = recording;
  recording = on;
  try {
    return fn();
  } finally {
    recording = before;
  }
}

/** Runs `fn` with recording on; ops inside it whose inputs need gradients are put on the tape. */
export function record<T>(fn: () => T): T {
  return withRecording(true, fn, "record");
}

/** Runs `fn` with recording off, even inside `record`. */
export function pause<T>(fn: () => T): T {
  return withRecording(false, fn, "pause");
}

/** True when gradients can flow into `x`: it was marked with attachGrad or computed from such arrays on the tape. */
export function needsGrad(x: NDArray): boolean {
  return x.gradReq !== null || x.tapeNode !== null;
}

/** Sees every op that calls recordOp (recording or not): how onnx.exportModel learns which ops a forward runs. */
export type OpTracer = (op: string, inputs: readonly NDArray[], output: NDArray, attrs: Readonly<Record<string, unknown>>) => void;
let tracer: OpTracer | null = null;

/** Runs `fn` with `trace` told of every op; tracing does not nest. */
export function withTracer<T>(trace: OpTracer, fn: () => T): T {
  if (tracer) throw new Error("onnx.exportModel: a trace is already running (exportModel cannot be called from inside a traced forward)");
  tracer = trace;
  try {
    return fn();
  } finally {
    tracer = null;
  }
}

/** Links `output` to its inputs when recording and some input needs a gradient. Returns `output`. */
export function recordOp(op: string, inputs: readonly NDArray[], output: NDArray, attrs: Record<string, unknown> = {}): NDArray {
  if (recording && inputs.some(needsGrad)) output.tapeNode = { op, inputs, attrs };
  if (tracer) tracer(op, inputs, output, attrs);
  return output;
}
