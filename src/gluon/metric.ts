// Gluon's evaluation metrics (gluon.metric): running averages of losses, accuracy and squared error, read on the host.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { readInt, snapshotOptions } from "../params/options.js";

/** Options of the metrics: Gluon's `name` (and Accuracy's `axis`). */
export interface MetricOptions {
  /** the name `get()` reports; default the metric's own ("loss", "accuracy", "mse") */
  name?: string;
}

/** Options of `gluon.metric.Accuracy`. */
export interface AccuracyOptions extends MetricOptions {
  /** the class axis of `pred` when it has one more axis than `label` (argmax is taken along it); default 1 */
  axis?: number;
}

function readName(where: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || v === "") throw new Error(`${where}: name must be a non-empty string, got ${typeof v}`);
  return v;
}

/** The arrays of one update: Gluon passes one array or a list of arrays (one per device). */
function asList(where: string, what: string, v: NDArray | readonly NDArray[]): readonly NDArray[] {
  const list = v instanceof NDArray ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => x instanceof NDArray)) throw new Error(`${where}: ${what} must be an NDArray or an array of NDArrays`);
  return list;
}

/**
 * Gluon's EvalMetric: `update(labels, preds)` adds a batch, `get()` gives `[name, value]` (NaN before any update, as
 * MXNet), `reset()` starts over. Values are summed in float64 on the host, so device arrays must be read first
 * (`await x.wait()`; the Estimator does it).
 */
export abstract class EvalMetric {
  /** the name `get()` reports (the Estimator prefixes "training " / "validation ") */
  name: string;
  /** sum of the per-instance values since the last reset */
  protected sumMetric = 0;
  /** number of instances since the last reset */
  protected numInst = 0;
  /** the caller's options, snapshotted once (own keys only) for the subclass to read */
  protected readonly options: Readonly<Record<string, unknown>>;

  constructor(defaultName: string, options: MetricOptions | undefined, known: readonly string[] = ["name"]) {
    this.options = snapshotOptions(this.constructor.name, options, known);
    this.name = readName(this.constructor.name, this.options.name, defaultName);
  }

  /** Adds one batch: `labels` and `preds` are arrays or lists of arrays (one per device), paired in order. */
  abstract update(labels: NDArray | readonly NDArray[], preds: NDArray | readonly NDArray[]): void;

  /** A fresh metric of the same kind and options (the Estimator's validation metrics copy the training ones). */
  abstract copy(): EvalMetric;

  /** Forgets every update. */
  reset(): void {
    this.sumMetric = 0;
    this.numInst = 0;
  }

  /** `[name, mean value]`; the value is NaN when nothing was added since the last reset. */
  get(): [string, number] {
    return [this.name, this.numInst === 0 ? Number.NaN : this.sumMetric / this.numInst];
  }
}

/** Sum of an array's elements in float64 (host values). */
function sumOf(x: NDArray): number {
  const a = x.asTypedArray();
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Gluon's metric.Loss: the mean of every loss value passed as `preds` (the labels are ignored). */
export class Loss extends EvalMetric {
  constructor(options?: MetricOptions) {
    super("loss", options);
  }
  update(_labels: NDArray | readonly NDArray[] | null, preds: NDArray | readonly NDArray[]): void {
    for (const l of asList("Loss.update", "preds (the loss values)", preds)) {
      this.sumMetric += sumOf(l);
      this.numInst += l.size;
    }
  }
  copy(): Loss {
    return new Loss({ name: this.name });
  }
}

/** Gluon's metric.MSE: the mean of (label − pred)² over every element. */
export class MSE extends EvalMetric {
  constructor(options?: MetricOptions) {
    super("mse", options);
  }
  update(labels: NDArray | readonly NDArray[], preds: NDArray | readonly NDArray[]): void {
    const ls = asList("MSE.update", "labels", labels),
      ps = asList("MSE.update", "preds", preds);
    if (ls.length !== ps.length) throw new Error(`MSE.update: ${ls.length} labels for ${ps.length} preds`);
    ps.forEach((p, k) => {
      const l = ls[k]!;
      if (l.size !== p.size) throw new Error(`MSE.update: label shape ${formatShape(l.shape)} and pred shape ${formatShape(p.shape)} differ in size`);
      const a = l.asTypedArray(),
        b = p.asTypedArray();
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
      this.sumMetric += s;
      this.numInst += a.length;
    });
  }
  copy(): MSE {
    return new MSE({ name: this.name });
  }
}

/**
 * Gluon's metric.Accuracy: the fraction of predicted classes equal to the label. A `pred` with one more axis than
 * `label` is reduced by argmax along `axis` (the first maximum wins); otherwise its values are the classes.
 */
export class Accuracy extends EvalMetric {
  /** the class axis of `pred` */
  readonly axis: number;
  constructor(options?: AccuracyOptions) {
    super("accuracy", options, ["name", "axis"]);
    this.axis = readInt("Accuracy", "axis", this.options.axis, 1, 0);
  }
  update(labels: NDArray | readonly NDArray[], preds: NDArray | readonly NDArray[]): void {
    const ls = asList("Accuracy.update", "labels", labels),
      ps = asList("Accuracy.update", "preds", preds);
    if (ls.length !== ps.length) throw new Error(`Accuracy.update: ${ls.length} labels for ${ps.length} preds`);
    ps.forEach((p, k) => {
      const l = ls[k]!;
      const lab = l.asTypedArray(),
        pv = p.asTypedArray();
      if (p.ndim === l.ndim + 1) {
        if (this.axis >= p.ndim) throw new Error(`Accuracy.update: axis=${this.axis} is out of range for pred of shape ${formatShape(p.shape)}`);
        const c = p.shape[this.axis]!;
        const inner = p.shape.slice(this.axis + 1).reduce((a, d) => a * d, 1);
        const outer = p.shape.slice(0, this.axis).reduce((a, d) => a * d, 1);
        if (outer * inner !== l.size)
          throw new Error(`Accuracy.update: pred shape ${formatShape(p.shape)} without axis ${this.axis} does not match label shape ${formatShape(l.shape)}`);
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            const base = o * c * inner + i;
            let best = 0;
            for (let j = 1; j < c; j++) if (pv[base + j * inner]! > pv[base + best * inner]!) best = j;
            if (best === lab[o * inner + i]) this.sumMetric++;
          }
        this.numInst += l.size;
      } else {
        if (p.size !== l.size) throw new Error(`Accuracy.update: pred shape ${formatShape(p.shape)} and label shape ${formatShape(l.shape)} differ in size`);
        for (let i = 0; i < lab.length; i++) if (Math.round(pv[i]!) === lab[i]) this.sumMetric++;
        this.numInst += lab.length;
      }
    });
  }
  copy(): Accuracy {
    return new Accuracy({ name: this.name, axis: this.axis });
  }
}

/** Gluon's evaluation metrics (`gluon.metric`): running means read on the host. */
export const metric = {
  /** The base of the metrics: `update(labels, preds)`, `get()` → `[name, value]`, `reset()`. */
  EvalMetric,
  /** The mean of the loss values passed as preds. */
  Loss,
  /** The fraction of correct classes (argmax along `axis` when pred has a class axis). */
  Accuracy,
  /** The mean squared error over every element. */
  MSE,
};
