// The Estimator's event handlers with Gluon's hooks and priorities: stopping, gradient update, metrics, validation, logging.
import type { NDArray } from "../../ndarray/ndarray.js";
import { readInt, readNumber, showValue, snapshotOptions, snapshotOptionsKeeping } from "../../params/options.js";
import { EvalMetric, Loss as LossMetric } from "../metric.js";
import type { BatchEndInfo, EstimatorView as Estimator, EventHandler } from "./estimator-types.js";

/** Gluon's _check_metrics: one metric or a list of them. */
export function checkMetrics(where: string, v: unknown): EvalMetric[] {
  if (v === undefined || v === null) return [];
  const list = v instanceof EvalMetric ? [v] : v;
  if (!Array.isArray(list) || !list.every((m) => m instanceof EvalMetric))
    throw new Error(`${where}: metrics must be a gluon.metric metric or an array of them, got ${showValue(v)}`);
  return [...list];
}

/** Options of StoppingHandler. */
export interface StoppingHandlerOptions {
  /** stop after this many epochs; default the Estimator's `epochs` */
  maxEpoch?: number | null;
  /** stop after this many batches (over all epochs); default the Estimator's `batches` */
  maxBatch?: number | null;
}

/**
 * Gluon's StoppingHandler: stops training after `maxEpoch` epochs or `maxBatch` batches. `fit` always adds one with
 * its own `epochs`/`batches`; a handler given its own limits keeps them (Gluon's would take the Estimator's).
 */
export class StoppingHandler implements EventHandler {
  /** the epoch limit in force (null: none) */
  maxEpoch: number | null;
  /** the batch limit in force (null: none) */
  maxBatch: number | null;
  /** batches finished since trainBegin */
  currentBatch = 0;
  /** epochs finished since trainBegin */
  currentEpoch = 0;
  /** true once a limit was reached */
  stopTraining = false;
  private readonly own: { maxEpoch: number | null; maxBatch: number | null };

  constructor(options?: StoppingHandlerOptions) {
    const o = snapshotOptions("StoppingHandler", options, ["maxEpoch", "maxBatch"]);
    const read = (k: string) => (o[k] === undefined || o[k] === null ? null : readInt("StoppingHandler", k, o[k], 1, 1));
    this.own = { maxEpoch: read("maxEpoch"), maxBatch: read("maxBatch") };
    this.maxEpoch = this.own.maxEpoch;
    this.maxBatch = this.own.maxBatch;
  }
  /** Resets the counters and takes the Estimator's limits where this handler has none. */
  trainBegin(estimator: Estimator): void {
    this.maxEpoch = this.own.maxEpoch ?? estimator.maxEpoch;
    this.maxBatch = this.own.maxBatch ?? estimator.maxBatch;
    this.currentBatch = 0;
    this.currentEpoch = 0;
    this.stopTraining = false;
  }
  /** Counts the batch; true when `maxBatch` is reached. */
  batchEnd(): boolean {
    this.currentBatch++;
    if (this.currentBatch === this.maxBatch) this.stopTraining = true;
    return this.stopTraining;
  }
  /** Counts the epoch; true when `maxEpoch` is reached (or a batch limit stopped it). */
  epochEnd(): boolean {
    this.currentEpoch++;
    if (this.currentEpoch === this.maxEpoch) this.stopTraining = true;
    return this.stopTraining;
  }
}

/** Gluon's GradientUpdateHandler: `trainer.step(batchSize)` after each batch's backward (priority −2000, first). */
export class GradientUpdateHandler implements EventHandler {
  /** runs before the metrics and the logging */
  priority: number;
  constructor(options?: { priority?: number }) {
    const o = snapshotOptions("GradientUpdateHandler", options, ["priority"]);
    this.priority = readNumber("GradientUpdateHandler", "priority", o.priority, -2000);
  }
  /** One optimizer step, the gradients scaled by 1/batch size (the loss's first axis, as Gluon). */
  batchEnd(estimator: Estimator, info: BatchEndInfo): void {
    estimator.trainer.step(info.loss.shape[0] ?? 1);
  }
}

/** Reads a device array's values back before the host metrics read it (a no-op on the CPU). */
async function ready(x: NDArray): Promise<void> {
  if (x.ctx.deviceType !== "cpu") await x.wait();
}

/** Gluon's MetricHandler: resets its metrics at each epoch's start and updates them after each batch (priority −1000). */
export class MetricHandler implements EventHandler {
  /** the metrics it updates */
  readonly metrics: EvalMetric[];
  /** runs before the logging, after the gradient update */
  priority: number;
  constructor(metrics: EvalMetric | readonly EvalMetric[], options?: { priority?: number }) {
    this.metrics = checkMetrics("MetricHandler", metrics);
    const o = snapshotOptions("MetricHandler", options, ["priority"]);
    this.priority = readNumber("MetricHandler", "priority", o.priority, -1000);
  }
  /** Resets every metric. */
  epochBegin(): void {
    for (const m of this.metrics) m.reset();
  }
  /** metric.Loss takes the loss values; the others take (label, pred). */
  async batchEnd(_estimator: Estimator, info: BatchEndInfo): Promise<void> {
    await ready(info.loss);
    await ready(info.pred);
    await ready(info.label);
    for (const m of this.metrics) m.update(info.label, m instanceof LossMetric ? info.loss : info.pred);
  }
}

/** Options of ValidationHandler. */
export interface ValidationHandlerOptions {
  /** validate every this many epochs; default 1 (null: never at epoch end) */
  epochPeriod?: number | null;
  /** validate every this many batches; default null (never at batch end) */
  batchPeriod?: number | null;
  /** default −1000 */
  priority?: number;
}

/** Gluon's ValidationHandler: runs `evalFn(valData)` every `epochPeriod` epochs and every `batchPeriod` batches. */
export class ValidationHandler implements EventHandler {
  /** the data `evalFn` reads */
  readonly valData: unknown;
  /** the evaluation, usually `estimator.evaluate` */
  readonly evalFn: (valData: never) => unknown;
  /** validate every this many epochs (null: never) */
  readonly epochPeriod: number | null;
  /** validate every this many batches (null: never) */
  readonly batchPeriod: number | null;
  /** default −1000, with the metrics */
  priority: number;
  private currentBatch = 0;
  private currentEpoch = 0;
  constructor(valData: unknown, evalFn: (valData: never) => unknown, options?: ValidationHandlerOptions) {
    if (typeof evalFn !== "function") throw new Error(`ValidationHandler: evalFn must be a function, got ${showValue(evalFn)}`);
    const o = snapshotOptions("ValidationHandler", options, ["epochPeriod", "batchPeriod", "priority"]);
    this.valData = valData;
    this.evalFn = evalFn;
    this.epochPeriod = o.epochPeriod === null ? null : readInt("ValidationHandler", "epochPeriod", o.epochPeriod, 1, 1);
    this.batchPeriod = o.batchPeriod === undefined || o.batchPeriod === null ? null : readInt("ValidationHandler", "batchPeriod", o.batchPeriod, 1, 1);
    this.priority = readNumber("ValidationHandler", "priority", o.priority, -1000);
  }
  /** Resets the counters. */
  trainBegin(): void {
    this.currentBatch = 0;
    this.currentEpoch = 0;
  }
  /** Validates when the batch count reaches a multiple of `batchPeriod`. */
  async batchEnd(): Promise<void> {
    this.currentBatch++;
    if (this.batchPeriod !== null && this.currentBatch % this.batchPeriod === 0) await this.evalFn(this.valData as never);
  }
  /** Validates when the epoch count reaches a multiple of `epochPeriod`. */
  async epochEnd(): Promise<void> {
    this.currentEpoch++;
    if (this.epochPeriod !== null && this.currentEpoch % this.epochPeriod === 0) await this.evalFn(this.valData as never);
  }
}

/** Where LoggingHandler writes its progress line: Node's process.stderr, or anything with `write`. */
export interface ProgressStream {
  /** writes text without a newline */
  write(chunk: string): unknown;
}

/** Options of LoggingHandler. */
export interface LoggingHandlerOptions {
  /** "epoch" (default): a line per epoch; k: also a line every k batches */
  logInterval?: "epoch" | number;
  /** the metrics to report; default the Estimator's training (or validation) metrics */
  metrics?: EvalMetric | readonly EvalMetric[];
  /** default Infinity: runs last, after every state is updated */
  priority?: number;
  /**
   * A one-line progress display, rewritten with "\r" after each training batch (batch count and the metrics); default
   * Node's process.stderr when it is a terminal, else none. null turns it off.
   */
  progress?: ProgressStream | null;
}

/** Node's process.stderr when it is a terminal (a progress line there is useful), else null (browsers, pipes, CI). */
function defaultProgress(): ProgressStream | null {
  const proc = (globalThis as { process?: { stderr?: { isTTY?: boolean; write?: unknown } } }).process;
  const err = proc?.stderr;
  return err && err.isTTY === true && typeof err.write === "function" ? (err as ProgressStream) : null;
}

const fmt = (metrics: readonly EvalMetric[]) =>
  metrics
    .map((m) => {
      const [name, value] = m.get();
      return `${name}: ${value.toFixed(4)}`;
    })
    .join(", ");
const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Gluon's LoggingHandler: writes the optimizer and learning rate at the start, each epoch's time and metrics, every
 * `logInterval` batches when it is a number, and the totals at the end, through `estimator.logger` (console.log by
 * default; a web page can set its own). In a Node terminal it also keeps a progress line on stderr.
 */
export class LoggingHandler implements EventHandler {
  /** "epoch" or every k batches */
  readonly logInterval: "epoch" | number;
  /** the metrics it reports (the Estimator fills them in when none are given) */
  metrics: EvalMetric[];
  /** default Infinity: last */
  priority: number;
  /** where the progress line goes, or null */
  readonly progress: ProgressStream | null;
  private batchIndex = 0;
  private currentEpoch = 0;
  private processedSamples = 0;
  private trainStart = 0;
  private epochStart = 0;
  private intervalStart = 0;
  private progressShown = false;

  constructor(options?: LoggingHandlerOptions) {
    const o = snapshotOptionsKeeping("LoggingHandler", options, ["logInterval", "metrics", "priority", "progress"], ["metrics", "progress"]);
    if (o.logInterval === undefined || o.logInterval === "epoch") this.logInterval = "epoch";
    else if (typeof o.logInterval === "number" && Number.isInteger(o.logInterval) && o.logInterval >= 1) this.logInterval = o.logInterval;
    else throw new Error(`LoggingHandler: logInterval=${showValue(o.logInterval)} must be "epoch" or a positive integer`);
    this.metrics = checkMetrics("LoggingHandler", o.metrics);
    this.priority = readNumber("LoggingHandler", "priority", o.priority, Infinity, -Infinity, Infinity);
    if (o.progress === undefined) this.progress = defaultProgress();
    else if (o.progress === null) this.progress = null;
    else if (typeof (o.progress as { write?: unknown }).write === "function") this.progress = o.progress as ProgressStream;
    else throw new Error(`LoggingHandler: progress must be a stream with write(text) (e.g. process.stderr) or null, got ${showValue(o.progress)}`);
  }

  private get training(): boolean {
    // Gluon's test: the Estimator names its training metrics "training …"
    return this.metrics.some((m) => m.name.startsWith("training"));
  }

  private endProgress(): void {
    if (this.progressShown) this.progress?.write("\n");
    this.progressShown = false;
  }

  /** Logs the optimizer, the learning rate and the length of the run. */
  trainBegin(estimator: Estimator): void {
    this.trainStart = now();
    this.currentEpoch = 0;
    this.batchIndex = 0;
    this.processedSamples = 0;
    const t = estimator.trainer;
    estimator.logger(`Training begin: using optimizer ${t.optimizer === "sgd" ? "SGD" : "Adam"} with current learning rate ${t.learningRate.toFixed(4)}`);
    estimator.logger(estimator.maxEpoch !== null ? `Train for ${estimator.maxEpoch} epochs.` : `Train for ${estimator.maxBatch} batches.`);
  }
  /** Logs the total time, the epochs run and the metrics. */
  trainEnd(estimator: Estimator): void {
    this.endProgress();
    const m = fmt(this.metrics);
    estimator.logger(`Train finished using total ${Math.round((now() - this.trainStart) / 1000)}s with ${this.currentEpoch} epochs.${m ? ` ${m}` : ""}`);
  }
  /** Logs the epoch's start (training) or "Validation Begin". */
  epochBegin(estimator: Estimator): void {
    this.epochStart = now();
    this.intervalStart = this.epochStart;
    if (this.training) estimator.logger(`[Epoch ${this.currentEpoch}] Begin, current learning rate: ${estimator.trainer.learningRate.toFixed(4)}`);
    else estimator.logger("Validation Begin");
  }
  /** Logs the epoch's time and metrics. */
  epochEnd(estimator: Estimator): void {
    this.endProgress();
    const m = fmt(this.metrics);
    estimator.logger(`[Epoch ${this.currentEpoch}] Finished in ${seconds(now() - this.epochStart)}s${m ? `, ${m}` : ""}`);
    this.currentEpoch++;
    this.batchIndex = 0;
  }
  /** Every `logInterval` batches: a log line; in training, the progress line. */
  batchEnd(estimator: Estimator, info: BatchEndInfo): void {
    this.processedSamples += info.batch[0].shape[0] ?? 1;
    if (typeof this.logInterval === "number" && this.batchIndex % this.logInterval === 0) {
      this.endProgress();
      const m = fmt(this.metrics);
      estimator.logger(
        `[Epoch ${this.currentEpoch}][Batch ${this.batchIndex}][Samples ${this.processedSamples}] time/interval: ${seconds(now() - this.intervalStart)}s${m ? ` ${m}` : ""}`,
      );
      this.intervalStart = now();
    }
    this.batchIndex++;
    if (this.progress && this.training) {
      const n = estimator.batchesPerEpoch;
      this.progress.write(`\r[Epoch ${this.currentEpoch}] batch ${this.batchIndex}${n !== null ? `/${n}` : ""} ${fmt(this.metrics)}\u001b[K`);
      this.progressShown = true;
    }
  }
}
