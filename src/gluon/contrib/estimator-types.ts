// The Estimator's public shapes: batches, the hooks' arguments, the event-handler interface and the view hooks receive.
import type { Context } from "../../context.js";
import type { NDArray } from "../../ndarray/ndarray.js";
import type { Block } from "../block.js";
import type { Loss } from "../loss.js";
import type { EvalMetric } from "../metric.js";
import type { Trainer } from "../trainer.js";

/** One batch: `[data, label]` (Gluon's DataLoader yields the same pair). */
export type DataBatch = readonly [NDArray, NDArray];

/** What `batchBegin` receives: the batch as the data gave it. */
export interface BatchBeginInfo {
  /** the batch as the data gave it */
  readonly batch: DataBatch;
}

/** What `batchEnd` receives: the batch, and the data, label, prediction and per-sample loss on the Estimator's device. */
export interface BatchEndInfo {
  /** the batch as the data gave it */
  readonly batch: DataBatch;
  /** the data on the Estimator's context */
  readonly data: NDArray;
  /** the label on the Estimator's context */
  readonly label: NDArray;
  /** the network's output */
  readonly pred: NDArray;
  /** the per-sample loss (Gluon's losses keep the batch axis) */
  readonly loss: NDArray;
}

/** A hook's result: `batchEnd` and `epochEnd` may return true (or a Promise of true) to stop training, as in Gluon; anything else goes on. */
export type HookResult = unknown;

/**
 * Gluon's event handler: any object with one or more of the hooks (camelCase of MXNet's train_begin, epoch_begin,
 * batch_begin, batch_end, epoch_end, train_end). A plain object literal is a handler, which is the callback hook for a
 * web page: `{ epochEnd: (est) => { el.textContent = String(est.trainMetrics[0]!.get()[1]); } }`. Hooks may be async;
 * the Estimator awaits each. Handlers run in ascending `priority` (default 0; ties keep their order).
 */
export interface EventHandler {
  /** order among handlers, ascending (Gluon: gradient update −2000, metrics −1000, logging last); default 0 */
  priority?: number;
  /** once, before the first epoch */
  trainBegin?(estimator: EstimatorView): HookResult;
  /** once, after the last epoch */
  trainEnd?(estimator: EstimatorView): HookResult;
  /** before each epoch (and once before `evaluate`'s pass) */
  epochBegin?(estimator: EstimatorView): HookResult;
  /** after each epoch (and once after `evaluate`'s pass); true stops training */
  epochEnd?(estimator: EstimatorView): HookResult;
  /** before each batch */
  batchBegin?(estimator: EstimatorView, info: BatchBeginInfo): HookResult;
  /** after each batch's forward and backward; true stops training after this batch */
  batchEnd?(estimator: EstimatorView, info: BatchEndInfo): HookResult;
}

/** The hook names, in the order Gluon calls them within one epoch. */
export const HOOKS = ["trainBegin", "epochBegin", "batchBegin", "batchEnd", "epochEnd", "trainEnd"] as const;
export type HookName = (typeof HOOKS)[number];

/** Batches of `[data, label]`: an array, any re-iterable object, or an async iterable (read once per epoch). */
export type BatchData = Iterable<DataBatch> | AsyncIterable<DataBatch>;

/**
 * What a hook sees of the Estimator running it (`gluon.contrib.estimator.Estimator` has all of this): the net, the
 * loss, the trainer, the metrics, the run's limits and the logger.
 */
export interface EstimatorView {
  /** the network trained */
  readonly net: Block;
  /** the training loss */
  readonly loss: Loss;
  /** the loss of `evaluate` */
  readonly evaluationLoss: Loss;
  /** the optimizer */
  readonly trainer: Trainer;
  /** the device of the parameters and of every batch */
  readonly context: Context;
  /** the training metrics, named "training …" */
  readonly trainMetrics: EvalMetric[];
  /** the validation metrics, named "validation …" */
  readonly valMetrics: EvalMetric[];
  /** where LoggingHandler writes its lines */
  logger: (message: string) => void;
  /** `fit`'s epochs, or null when it runs by batches */
  readonly maxEpoch: number | null;
  /** `fit`'s batches, or null when it runs by epochs */
  readonly maxBatch: number | null;
  /** the batch axis of the current run */
  readonly batchAxis: number;
  /** batches per epoch when the training data has a `length` (an array), else null */
  readonly batchesPerEpoch: number | null;
  /** one pass over validation data in predict mode, updating `valMetrics` */
  evaluate(valData: BatchData, options?: { eventHandlers?: EventHandler | readonly EventHandler[]; batchAxis?: number }): Promise<void>;
}
