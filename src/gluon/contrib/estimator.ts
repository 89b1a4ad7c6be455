// Gluon's contrib Estimator: fit and evaluate a Block over batches of [data, label], with Gluon's event handlers.
import { Context } from "../../context.js";
import { Initializer, Uniform } from "../../init/initializers.js";
import { NDArray } from "../../ndarray/ndarray.js";
import { formatShape } from "../../ndarray/strided.js";
import { readInt, showValue, snapshotOptionsKeeping } from "../../params/options.js";
import { record } from "../../autograd/record.js";
import { Block } from "../block.js";
import { L2Loss, Loss, SoftmaxCrossEntropyLoss } from "../loss.js";
import { Accuracy, type EvalMetric, Loss as LossMetric, MSE } from "../metric.js";
import { Trainer } from "../trainer.js";
import { type BatchData, type BatchEndInfo, type DataBatch, type EstimatorView, type EventHandler, HOOKS, type HookName } from "./estimator-types.js";
import { checkMetrics, GradientUpdateHandler, LoggingHandler, MetricHandler, StoppingHandler, ValidationHandler } from "./event-handler.js";

/** Options of `new Estimator(net, options)`: Gluon's constructor arguments after `net`. */
export interface EstimatorOptions {
  /** the training objective, a `gluon.loss` loss (required) */
  loss: Loss;
  /** metrics of the training batches; default the loss's mean (and Accuracy for SoftmaxCrossEntropyLoss, MSE for L2Loss) */
  trainMetrics?: EvalMetric | readonly EvalMetric[];
  /** metrics of `evaluate`; default copies of the training metrics */
  valMetrics?: EvalMetric | readonly EvalMetric[];
  /** initializes the parameters that are not yet initialized (an error when all are) */
  initializer?: Initializer | null;
  /** default `new Trainer(net.collectParams(), "sgd", { learningRate: 0.001 })`, as Gluon */
  trainer?: Trainer;
  /** the device; default where the parameters are (cpu(0) before initialization). Batches are moved there. */
  context?: Context;
  /** the loss of `evaluate`; default `loss` */
  evaluationLoss?: Loss;
}

/** Options of `fit`. Exactly one of `epochs` and `batches`. */
export interface FitOptions {
  /** number of passes over `trainData` */
  epochs?: number;
  /** number of batches in all (the data is read again as often as needed) */
  batches?: number;
  /** validation data: `evaluate` runs after every epoch (a ValidationHandler) */
  valData?: BatchData | null;
  /** handlers besides the defaults (StoppingHandler, GradientUpdateHandler, MetricHandler, ValidationHandler, LoggingHandler, each added when none of its class is given) */
  eventHandlers?: EventHandler | readonly EventHandler[];
  /** the batch axis of the data; default 0 */
  batchAxis?: number;
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** handlers besides the defaults (MetricHandler and LoggingHandler on the validation metrics) */
  eventHandlers?: EventHandler | readonly EventHandler[];
  /** the batch axis of the data; default 0 */
  batchAxis?: number;
}

const OPTIONS = ["loss", "trainMetrics", "valMetrics", "initializer", "trainer", "context", "evaluationLoss"];

/**
 * MXNet's `gluon.contrib.estimator.Estimator`: `await new Estimator(net, { loss, trainer }).fit(trainData, { epochs })`
 * runs Gluon's loop (record forward and loss, backward, `trainer.step(batchSize)`) over batches of `[data, label]`,
 * calling the event handlers' hooks in Gluon's order and priority. `fit` and `evaluate` are async: they await each
 * batch of an async iterable and each async hook, so a web page stays responsive between batches.
 */
export class Estimator implements EstimatorView {
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
  /** Where LoggingHandler writes its lines (Gluon's `estimator.logger`); default console.log. Set it to show them in a page. */
  logger: (message: string) => void = (m) => console.log(m);
  /** `fit`'s epochs, or null when it runs by batches */
  maxEpoch: number | null = null;
  /** `fit`'s batches, or null when it runs by epochs */
  maxBatch: number | null = null;
  /** the batch axis of the current run */
  batchAxis = 0;
  /** batches per epoch when the training data has a `length` (an array), else null */
  batchesPerEpoch: number | null = null;

  constructor(net: Block, options: EstimatorOptions) {
    if (!(net instanceof Block)) throw new Error(`Estimator: net must be a gluon Block (e.g. nn.Sequential), got ${showValue(net)}`);
    if (options === undefined || options === null) throw new Error("Estimator: options must be given, at least { loss } (a gluon.loss loss)");
    const o = snapshotOptionsKeeping("Estimator", options, OPTIONS, ["trainMetrics", "valMetrics"]);
    this.net = net;
    this.loss = checkLoss("loss", o.loss);
    this.evaluationLoss = o.evaluationLoss === undefined || o.evaluationLoss === null ? this.loss : checkLoss("evaluationLoss", o.evaluationLoss);
    this.trainMetrics = checkMetrics("Estimator: trainMetrics", o.trainMetrics);
    if (this.trainMetrics.length === 0) {
      if (this.loss instanceof SoftmaxCrossEntropyLoss) this.trainMetrics.push(new Accuracy());
      else if (this.loss instanceof L2Loss) this.trainMetrics.push(new MSE());
      this.trainMetrics.push(new LossMetric({ name: this.loss.name.toLowerCase() }));
    }
    for (const m of this.trainMetrics) m.name = `training ${m.name}`;
    this.valMetrics = checkMetrics("Estimator: valMetrics", o.valMetrics);
    if (this.valMetrics.length === 0) this.valMetrics = this.trainMetrics.map((m) => m.copy());
    for (const m of this.valMetrics) m.name = m.name.includes("training") ? m.name.replace("training", "validation") : `validation ${m.name}`;
    if (new Set([...this.trainMetrics, ...this.valMetrics]).size !== this.trainMetrics.length + this.valMetrics.length)
      throw new Error("Estimator: trainMetrics and valMetrics must be distinct metric objects (each keeps its own running sums)");
    if (o.trainer !== undefined && o.trainer !== null && !(o.trainer instanceof Trainer))
      throw new Error(`Estimator: trainer must be a gluon.Trainer, got ${showValue(o.trainer)}`);
    this.context = this.initialize(o.initializer, o.context);
    this.trainer = o.trainer instanceof Trainer ? o.trainer : new Trainer(net.collectParams(), "sgd", { learningRate: 0.001 });
  }

  /** Gluon's _initialize and _check_context: initializes what is not, on `context`; the parameters must be there. */
  private initialize(initializer: unknown, context: unknown): Context {
    if (initializer !== undefined && initializer !== null && !(initializer instanceof Initializer))
      throw new Error(`Estimator: initializer must come from init (e.g. new init.Xavier()), got ${showValue(initializer)}`);
    if (context !== undefined && !(context instanceof Context))
      throw new Error(`Estimator: context must be a context such as npx.cpu() or npx.gpu(0), got ${showValue(context)}`);
    const params = this.net.collectParams().entries();
    if (params.length === 0) throw new Error("Estimator: net has no parameters to train");
    const fresh = params.filter(([, p]) => !p.initializeCalled);
    const ctx = (context as Context | undefined) ?? (params.find(([, p]) => p.initializeCalled) ?? params[0]!)[1].ctx;
    if (fresh.length === 0 && initializer !== undefined && initializer !== null)
      throw new Error(
        "Estimator: initializer is given but every parameter of net is already initialized; leave it out, or call net.initialize(init, { forceReinit: true }) first",
      );
    // checked before anything is initialized, so an error leaves the net as it was
    const elsewhere = params.find(([, p]) => p.initializeCalled && !p.ctx.equals(ctx));
    if (elsewhere)
      throw new Error(
        `Estimator: context is ${String(ctx)} but parameter '${elsewhere[0]}' is on ${String(elsewhere[1].ctx)}; move the net first (net.resetCtx(ctx)) or leave context out`,
      );
    // Block.initialize's default initializer
    const init = (initializer as Initializer | null | undefined) ?? new Uniform(0.07);
    for (const [, p] of fresh) p.initialize(init, false, ctx);
    return ctx;
  }

  /** The batch's data and label on the Estimator's context. */
  private place(batch: unknown, where: string): [NDArray, NDArray] {
    if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof NDArray) || !(batch[1] instanceof NDArray))
      throw new Error(`${where}: each batch must be a [data, label] pair of NDArrays, got ${showValue(batch)}`);
    const [x, y] = batch as [NDArray, NDArray];
    if (x.ndim <= this.batchAxis || y.ndim <= this.batchAxis || x.shape[this.batchAxis] !== y.shape[this.batchAxis])
      throw new Error(
        `${where}: data of shape ${formatShape(x.shape)} and label of shape ${formatShape(y.shape)} must have the same size along batchAxis=${this.batchAxis}`,
      );
    return [x.asInCtx(this.context), y.asInCtx(this.context)];
  }

  /** The network's output as an NDArray (a Block's forward may return anything). */
  private predict(net: Block, x: NDArray, where: string): NDArray {
    const pred = net.forward(x);
    if (!(pred instanceof NDArray)) throw new Error(`${where}: net.forward must return one NDArray, got ${showValue(pred)}`);
    return pred;
  }

  /**
   * Gluon's fit_batch: forward and loss under `autograd.record`, then `loss.backward()` (the per-sample losses with a
   * head gradient of ones). The update is GradientUpdateHandler's.
   */
  fitBatch(batch: DataBatch): BatchEndInfo {
    const [data, label] = this.place(batch, "Estimator.fit");
    const { pred, loss } = record(() => {
      const pred = this.predict(this.net, data, "Estimator.fit");
      return { pred, loss: this.loss.forward(pred, label) };
    });
    loss.backward();
    return { batch, data, label, pred, loss };
  }

  /** Gluon's evaluate_batch: forward and evaluation loss in predict mode, nothing recorded. */
  evaluateBatch(batch: DataBatch): BatchEndInfo {
    const [data, label] = this.place(batch, "Estimator.evaluate");
    const pred = this.predict(this.net, data, "Estimator.evaluate");
    return { batch, data, label, pred, loss: this.evaluationLoss.forward(pred, label) };
  }

  /**
   * Trains for `epochs` epochs or `batches` batches (exactly one). Hooks run in Gluon's order: trainBegin; per epoch
   * epochBegin, then per batch batchBegin, fitBatch, batchEnd; epochEnd; finally trainEnd. A batchEnd returning true
   * ends the epoch; an epochEnd returning true ends training.
   */
  async fit(trainData: BatchData, options: FitOptions): Promise<void> {
    const o = snapshotOptionsKeeping("Estimator.fit", options, ["epochs", "batches", "valData", "eventHandlers", "batchAxis"], ["valData", "eventHandlers"]);
    checkData("Estimator.fit", "trainData", trainData);
    const hasEpochs = o.epochs !== undefined && o.epochs !== null,
      hasBatches = o.batches !== undefined && o.batches !== null;
    if (hasEpochs === hasBatches)
      throw new Error(
        `Estimator.fit: give exactly one of epochs and batches (got ${hasEpochs ? `epochs=${showValue(o.epochs)} and batches=${showValue(o.batches)}` : "neither"})`,
      );
    this.maxEpoch = hasEpochs ? readInt("Estimator.fit", "epochs", o.epochs, 1, 1) : null;
    this.maxBatch = hasBatches ? readInt("Estimator.fit", "batches", o.batches, 1, 1) : null;
    this.batchAxis = readInt("Estimator.fit", "batchAxis", o.batchAxis, 0, 0);
    const valData = o.valData === undefined || o.valData === null ? null : (o.valData as BatchData);
    if (valData !== null) checkData("Estimator.fit", "valData", valData);
    const length = (trainData as { length?: unknown }).length;
    this.batchesPerEpoch = typeof length === "number" ? length : null;

    const given = checkHandlers("Estimator.fit", o.eventHandlers);
    const added: EventHandler[] = [new StoppingHandler()];
    const has = (cls: abstract new (...a: never[]) => unknown) => given.some((h) => h instanceof cls);
    if (!has(GradientUpdateHandler)) added.push(new GradientUpdateHandler());
    if (!has(MetricHandler)) added.push(new MetricHandler(this.trainMetrics));
    if (!has(ValidationHandler) && valData !== null)
      added.push(new ValidationHandler(valData, (d: BatchData) => this.evaluate(d, { batchAxis: this.batchAxis })));
    if (!has(LoggingHandler)) added.push(new LoggingHandler({ metrics: this.trainMetrics }));
    for (const h of given) if (h instanceof LoggingHandler && h.metrics.length === 0) h.metrics = this.trainMetrics;
    const hooks = byHook(sortByPriority([...given, ...added]));

    for (const h of hooks.trainBegin) await h.trainBegin!(this);
    for (let epoch = 0; ; epoch++) {
      for (const h of hooks.epochBegin) await h.epochBegin!(this);
      let n = 0;
      for await (const batch of trainData) {
        n++;
        for (const h of hooks.batchBegin) await h.batchBegin!(this, { batch });
        const info = this.fitBatch(batch);
        let stop = false;
        for (const h of hooks.batchEnd) if ((await h.batchEnd!(this, info)) === true) stop = true;
        if (stop) break;
      }
      if (n === 0)
        throw new Error(
          `Estimator.fit: trainData yielded no batches in epoch ${epoch}` +
            (epoch > 0
              ? "; a one-shot iterator (a generator object) is spent after one epoch: pass an array, or an object whose [Symbol.iterator]() starts over"
              : ""),
        );
      let stop = false;
      for (const h of hooks.epochEnd) if ((await h.epochEnd!(this)) === true) stop = true;
      if (stop) break;
    }
    for (const h of hooks.trainEnd) await h.trainEnd!(this);
  }

  /**
   * Gluon's evaluate: one pass over `valData` in predict mode. The validation metrics are reset, updated by a
   * MetricHandler and logged by a LoggingHandler (each added unless one is given); hooks epochBegin, batchBegin,
   * batchEnd and epochEnd run around the pass. Read the results from `valMetrics`.
   */
  async evaluate(valData: BatchData, options: EvaluateOptions = {}): Promise<void> {
    const o = snapshotOptionsKeeping("Estimator.evaluate", options, ["eventHandlers", "batchAxis"], ["eventHandlers"]);
    checkData("Estimator.evaluate", "valData", valData);
    if (o.batchAxis !== undefined) this.batchAxis = readInt("Estimator.evaluate", "batchAxis", o.batchAxis, 0, 0);
    for (const m of this.valMetrics) m.reset();
    const given = checkHandlers("Estimator.evaluate", o.eventHandlers);
    const added: EventHandler[] = [];
    if (!given.some((h) => h instanceof MetricHandler)) added.push(new MetricHandler(this.valMetrics));
    if (!given.some((h) => h instanceof LoggingHandler)) added.push(new LoggingHandler({ metrics: this.valMetrics }));
    for (const h of given) if (h instanceof LoggingHandler && h.metrics.length === 0) h.metrics = this.valMetrics;
    const hooks = byHook(sortByPriority([...given, ...added]));
    for (const h of hooks.epochBegin) await h.epochBegin!(this);
    let n = 0;
    for await (const batch of valData) {
      n++;
      for (const h of hooks.batchBegin) await h.batchBegin!(this, { batch });
      const info = this.evaluateBatch(batch);
      for (const h of hooks.batchEnd) await h.batchEnd!(this, info);
    }
    if (n === 0)
      throw new Error(
        "Estimator.evaluate: valData yielded no batches (a one-shot iterator such as a generator object is spent after one pass: pass an array, or an object whose [Symbol.iterator]() starts over)",
      );
    for (const h of hooks.epochEnd) await h.epochEnd!(this);
  }
}

function checkLoss(name: string, v: unknown): Loss {
  if (!(v instanceof Loss)) throw new Error(`Estimator: ${name} must be a gluon.loss loss (e.g. new gluon.loss.L2Loss()), got ${showValue(v)}`);
  return v;
}

function checkData(where: string, name: string, v: unknown): void {
  const ok =
    v !== null &&
    typeof v === "object" &&
    (typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function" ||
      typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function");
  if (!ok) throw new Error(`${where}: ${name} must be an array (or an iterable or async iterable) of [data, label] batches, got ${showValue(v)}`);
}

/** Gluon's _check_event_handlers: one handler or a list; each an object with at least one hook, every hook a function. */
function checkHandlers(where: string, v: unknown): EventHandler[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  list.forEach((h: unknown, i) => {
    const at = Array.isArray(v) ? `eventHandlers[${i}]` : "eventHandlers";
    if (h === null || typeof h !== "object") throw new Error(`${where}: ${at} must be an event handler object, got ${showValue(h)}`);
    const r = h as Record<string, unknown>;
    if (!HOOKS.some((k) => r[k] !== undefined))
      throw new Error(`${where}: ${at} has none of the hooks ${HOOKS.join(", ")} (Gluon's train_begin … train_end in camelCase)`);
    for (const k of HOOKS)
      if (r[k] !== undefined && typeof r[k] !== "function") throw new Error(`${where}: ${at}.${k} must be a function, got ${showValue(r[k])}`);
    if (r.priority !== undefined && (typeof r.priority !== "number" || Number.isNaN(r.priority)))
      throw new Error(`${where}: ${at}.priority must be a number, got ${showValue(r.priority)}`);
  });
  return list as EventHandler[];
}

/** Ascending priority (default 0), ties in the given order (Gluon sorts the same way, stably). */
function sortByPriority(handlers: EventHandler[]): EventHandler[] {
  return handlers
    .map((h, i) => [h, i] as const)
    .sort(([a, i], [b, j]) => (a.priority ?? 0) - (b.priority ?? 0) || i - j)
    .map(([h]) => h);
}

/** The handlers of each hook, in order (Gluon's _categorize_handlers). */
function byHook(handlers: readonly EventHandler[]): Record<HookName, EventHandler[]> {
  const out = {} as Record<HookName, EventHandler[]>;
  for (const k of HOOKS) out[k] = handlers.filter((h) => typeof h[k] === "function");
  return out;
}
