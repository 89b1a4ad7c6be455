// The `autograd` namespace with MXNet's names: record, pause, trainMode, predictMode, isRecording, isTraining, grad.
import { isRecording, isTraining, pause, predictMode, trainMode } from "../tape/tape.js";
import { grad } from "./grad.js";
import { record } from "./record.js";

export type { GradOptions } from "./grad.js";
/** MXNet's `autograd`: record a computation, then `y.backward()` writes d(y)/d(x) into `x.grad` for arrays with attachGrad(). */
export const autograd = {
  /** Runs a synchronous function with recording on (training mode unless `{ trainMode: false }`); returns its result. */
  record,
  /** Runs a function with recording off, even inside record (predict mode unless `{ trainMode: true }`). */
  pause,
  /** Runs a function in training mode (BatchNorm batch statistics, Dropout active) without changing recording. */
  trainMode,
  /** Runs a function in predict mode (BatchNorm running statistics, Dropout off) without changing recording. */
  predictMode,
  /** True inside autograd.record (and not inside pause). */
  isRecording,
  /** True in training mode: inside record (by default) or trainMode. */
  isTraining,
  /** d(heads)/d(variables) returned instead of written to `.grad`; `{ createGraph: true }` records it for second-order gradients. */
  grad,
};
