// Gluon Trainer with SGD (momentum, weight decay) and Adam: updates parameters in place from their gradients.
import { NDArray } from "../ndarray/ndarray.js";
import { backendFor } from "../backends/dispatch.js";
import { isDeviceStorage, type Storage } from "../ndarray/storage.js";
import type { GradPrep } from "../params/kernel-records.js";
import { Parameter, ParameterDict } from "./parameter.js";
import { statesFromBytes, statesToBytes, type TrainerSnapshot } from "./trainer-states.js";
import { readWholeFile, writeFileAtomic } from "../io/node-file.js";
import { snapshotOptions } from "../params/options.js";

export interface OptimizerParams {
  /** step size; default 0.01 (sgd) or 0.001 (adam), as MXNet */
  learningRate?: number;
  /** sgd: heavy-ball momentum in [0, 1); default 0 */
  momentum?: number;
  /** weight decay (L2 penalty wd/2·‖w‖² added as wd·w to the gradient); default 0 */
  wd?: number;
  /** adam: decay of the first-moment estimate; default 0.9 */
  beta1?: number;
  /** adam: decay of the second-moment estimate; default 0.999 */
  beta2?: number;
  /** adam: added to √v; default 1e-8 */
  epsilon?: number;
  /** extra factor on every gradient (step() multiplies it by 1/batchSize); default 1 */
  rescaleGrad?: number;
  /** clip each rescaled gradient element to [−c, c]; default: no clipping */
  clipGradient?: number | null;
}

const OPTIMIZERS = ["sgd", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
const KNOWN: Record<OptimizerName, readonly string[]> = {
  sgd: ["learningRate", "momentum", "wd", "rescaleGrad", "clipGradient"],
  adam: ["learningRate", "beta1", "beta2", "epsilon", "wd", "rescaleGrad", "clipGradient"],
};

function checkNumber(name: string, v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const ok = typeof v === "number" && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) throw new Error(`Trainer: ${name}=${String(v)} must be a number in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
  return v as number;
}

/**
 * `new Trainer(net.collectParams(), "adam", { learningRate: 0.01 })`; after `loss.backward()` call
 * `trainer.step(batchSize)`: each parameter moves along its gradient scaled by rescaleGrad/batchSize (Gluon's
 * convention when the loss is summed over the batch — backward of a per-sample loss vector sums it).
 */
export class Trainer {
  readonly params: Parameter[];
  private readonly names: string[];
  readonly optimizer: OptimizerName;
  private lr: number;
  private readonly momentum: number;
  private readonly wd: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly rescaleGrad: number;
  private readonly clipGradient: number | null;
  /** sgd: momentum buffers; adam: [m, v] */
  private readonly states = new Map<Parameter, NDArray[]>();
  private t = 0;

  constructor(params: ParameterDict | readonly Parameter[], optimizer: OptimizerName, optimizerParams: OptimizerParams = {}) {
    // states files name each parameter by its structural name, or by its index when given an array
    let named: [string, Parameter][];
    if (params instanceof ParameterDict) named = params.entries();
    else if (Array.isArray(params) && params.every((p) => p instanceof Parameter)) named = params.map((p, i) => [String(i), p]);
    else throw new Error("Trainer: params must be a ParameterDict (net.collectParams()) or an array of Parameters");
    // MXNet's Trainer leaves parameters with grad_req "null" (BatchNorm's running statistics, frozen layers) alone
    named = named.filter(([, p]) => p.gradReq !== "null");
    this.params = named.map(([, p]) => p);
    this.names = named.map(([n]) => n);
    if (this.params.length === 0) throw new Error("Trainer: no parameters to optimize");
    const name = typeof optimizer === "string" ? (optimizer.toLowerCase() as OptimizerName) : optimizer;
    if (!OPTIMIZERS.includes(name)) throw new Error(`Trainer: unknown optimizer ${JSON.stringify(optimizer)}; known optimizers are ${OPTIMIZERS.join(", ")}`);
    this.optimizer = name;
    // not an object: the snapshot's own error ("Trainer: options must be a plain object like …, got null")
    if (typeof optimizerParams !== "object" || optimizerParams === null) snapshotOptions("Trainer", optimizerParams, KNOWN[name]);
    for (const key of Object.keys(optimizerParams))
      if (!KNOWN[name].includes(key)) throw new Error(`Trainer: unknown option "${key}" for ${name}; known options are ${KNOWN[name].join(", ")}`);
    // own keys only, copied once: an Object.prototype.learningRate (or a later change to the caller's object) cannot reach it
    const o = snapshotOptions("Trainer", optimizerParams, KNOWN[name]) as OptimizerParams;
    this.lr = checkNumber("learningRate", o.learningRate ?? (name === "sgd" ? 0.01 : 0.001), 0, Infinity);
    this.momentum = checkNumber("momentum", o.momentum ?? 0, 0, 1, false, true);
    this.wd = checkNumber("wd", o.wd ?? 0, 0, Infinity);
    this.beta1 = checkNumber("beta1", o.beta1 ?? 0.9, 0, 1, false, true);
    this.beta2 = checkNumber("beta2", o.beta2 ?? 0.999, 0, 1, false, true);
    this.epsilon = checkNumber("epsilon", o.epsilon ?? 1e-8, 0, Infinity, true);
    this.rescaleGrad = checkNumber("rescaleGrad", o.rescaleGrad ?? 1, 0, Infinity);
    this.clipGradient = o.clipGradient === undefined || o.clipGradient === null ? null : checkNumber("clipGradient", o.clipGradient, 0, Infinity, true);
  }

  get learningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    this.lr = checkNumber("learningRate", lr, 0, Infinity);
  }

  /** Optimizer name, step count, learning rate, hyperparameters and state arrays (by index into params). */
  private snapshot(): TrainerSnapshot {
    const hyper = new Map<string, number | null>(
      this.optimizer === "sgd"
        ? [["momentum", this.momentum]]
        : [
            ["beta1", this.beta1],
            ["beta2", this.beta2],
            ["epsilon", this.epsilon],
          ],
    );
    hyper.set("wd", this.wd).set("rescaleGrad", this.rescaleGrad).set("clipGradient", this.clipGradient);
    const states = new Map<number, NDArray[]>();
    this.params.forEach((p, i) => {
      const s = this.states.get(p);
      if (s) states.set(i, s);
    });
    return { optimizer: this.optimizer, step: this.t, learningRate: this.lr, hyper, states };
  }

  /**
   * MXNet's save_states: writes the optimizer's state (Adam's moments and step count, SGD's momentum, the learning
   * rate) to a safetensors file, atomically as Block.saveParameters does. With the parameters saved beside it,
   * loadStates + loadParameters resume a run exactly. Node only; see saveStatesToBytes.
   */
  saveStates(path: string): void {
    writeFileAtomic(path, this.saveStatesToBytes(), "saveStates");
  }

  saveStatesToBytes(): Uint8Array {
    for (const arrays of this.states.values())
      for (const a of arrays)
        if (isDeviceStorage(a.storage) && a.storage.host === null)
          throw new Error(
            `Trainer.saveStates: the optimizer states live on ${String(a.ctx)}, where the queued updates compute them asynchronously: await trainer.wait() before saving`,
          );
    return statesToBytes(this.names, this.snapshot());
  }

  /**
   * Waits until the queued updates have run and makes every parameter this trainer updates and every optimizer state
   * readable (MXNet's wait_to_read on each). On the CPU they already are; on a GPU, call it before saveStates or
   * saveParameters. Throws the first error a queued op reported, naming it.
   */
  async wait(): Promise<void> {
    const arrays = [...this.params.filter((p) => p.isInitialized).map((p) => p.data()), ...[...this.states.values()].flat()];
    for (const a of arrays) await a.wait();
  }

  /**
   * MXNet's load_states: the whole file is checked (structure, optimizer, hyperparameters, names, shapes) before the
   * trainer changes; on an error it keeps its state. Load the parameters first when their shapes are deferred. The
   * states go to each parameter's device (a file saved on gpu(0) resumes on the CPU and the other way round).
   */
  loadStates(path: string): void {
    this.applyStates(readWholeFile(path, "loadStates"), `loadStates: ${path}`);
  }

  loadStatesFromBytes(bytes: Uint8Array): void {
    this.applyStates(bytes, "loadStatesFromBytes");
  }

  private applyStates(bytes: Uint8Array, where: string): void {
    const s = statesFromBytes(bytes, this.names, this.params, this.snapshot(), where);
    this.states.clear();
    // decoded on the CPU; each state goes where its parameter lives (an upload, queued, for a GPU parameter)
    for (const [i, arrays] of s.states) {
      const ctx = this.params[i]!.data().ctx;
      this.states.set(
        this.params[i]!,
        arrays.map((a) => a.asInCtx(ctx)),
      );
    }
    this.t = s.step;
    this.lr = s.learningRate;
  }

  /** One update of every parameter with a gradient, the gradients scaled by rescaleGrad / batchSize. */
  step(batchSize: number): void {
    if (typeof batchSize !== "number" || !Number.isFinite(batchSize) || batchSize <= 0)
      throw new Error(`Trainer.step: batchSize=${String(batchSize)} must be a positive number`);
    // data() throws Gluon's (deferred) initialization errors before anything is changed
    const live = this.params.map((p) => [p, p.data()] as const).filter(([, w]) => w.gradReq !== null && w.grad !== null);
    this.t++;
    const prep: GradPrep = { rescale: this.rescaleGrad / batchSize, clip: this.clipGradient ?? Infinity, wd: this.wd };
    // Adam's bias corrections folded into one step size: lr·√(1−β₂ᵗ)/(1−β₁ᵗ)
    const lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t);
    for (const [p, w] of live) {
      const wData = dense(w),
        gData = dense(w.grad!);
      const n = w.size;
      if (this.optimizer === "sgd") {
        const v = this.momentum === 0 ? null : this.state(p, w, 1)[0]!.storage;
        backendFor(w).sgdUpdate(wData, gData, v, n, prep, this.lr, this.momentum);
      } else {
        const [m, v] = this.state(p, w, 2);
        backendFor(w).adamUpdate(wData, gData, m!.storage, v!.storage, n, prep, lrT, this.beta1, this.beta2, this.epsilon);
      }
      if (wData !== w.storage) w.set(new NDArray(wData, w.shape));
    }
  }

  /** sgd: [momentum buffer]; adam: [m, v] — dense arrays of the parameter's shape and dtype */
  private state(p: Parameter, w: NDArray, n: number): NDArray[] {
    let s = this.states.get(p);
    if (!s || s[0]!.size !== w.size) {
      // zeroed, on the parameter's device
      s = Array.from({ length: n }, () => new NDArray(backendFor(w).allocate(w.dtype, w.size), w.shape));
      this.states.set(p, s);
    }
    return s;
  }
}

/** The array's elements as a buffer indexed from 0: its own when dense from offset 0, else a copy (written back). */
function dense(x: NDArray): Storage {
  if (x.isContiguous && x.offset === 0) return x.storage;
  if (isDeviceStorage(x.storage))
    throw new Error(`Trainer.step: a parameter or gradient on ${String(x.ctx)} is a strided view; the GPU updates dense arrays only`);
  return x.asTypedArray().slice();
}
