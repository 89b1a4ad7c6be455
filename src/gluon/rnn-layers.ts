// Gluon's recurrent layers rnn.LSTM and rnn.GRU: stacked, optionally bidirectional, with PyTorch's state-dict names.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Dtype } from "../ndarray/strided.js";
import { zeros } from "../ndarray/create.js";
import { Context } from "../context.js";
import { concatenate, stack } from "../ops/join.js";
import { dropout } from "../ops/dropout.js";
import { at } from "../ops/shape.js";
import { GLUON_GATE_BLOCKS, RNN_GATES, type RnnMode, rnnDirection } from "../ops/rnn.js";
import { type Initializer, Zero } from "../init/initializers.js";
import { readBoolean, readEnum, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { traceOp, tracing, untraced } from "../tape/tape.js";
import { Block, markKeepsNothing } from "./block.js";
import { Parameter } from "./parameter.js";
import { readDtype, readInitializer } from "./layer-options.js";

export interface RnnLayerOptions {
  /** stacked recurrent layers; default 1 */
  numLayers?: number;
  /** "TNC" (default: [time, batch, features]) or "NTC" (batch first, PyTorch's batch_first=True) */
  layout?: "TNC" | "NTC";
  /** dropout on the outputs of every layer but the last, in training mode; default 0 */
  dropout?: number;
  /** a second direction running from the last step to the first; outputs are [forward, backward] on the feature axis */
  bidirectional?: boolean;
  /** features of the input; 0 (default) = inferred from the first input */
  inputSize?: number;
  /** default: the initializer given to initialize() */
  i2hWeightInitializer?: Initializer | null;
  h2hWeightInitializer?: Initializer | null;
  /** default zeros */
  i2hBiasInitializer?: Initializer;
  h2hBiasInitializer?: Initializer;
  dtype?: Dtype;
}

const OPTIONS = [
  "numLayers",
  "layout",
  "dropout",
  "bidirectional",
  "inputSize",
  "i2hWeightInitializer",
  "h2hWeightInitializer",
  "i2hBiasInitializer",
  "h2hBiasInitializer",
  "dtype",
] as const;

/** One direction of one layer: Gluon's four parameters `{l|r}{layer}_{i2h|h2h}_{weight|bias}`. */
interface DirectionParams {
  readonly i2hWeight: Parameter;
  readonly h2hWeight: Parameter;
  readonly i2hBias: Parameter;
  readonly h2hBias: Parameter;
}

/**
 * The shared body of LSTM and GRU (Gluon's _RNNLayer). Parameters per layer l and direction (l = left-to-right,
 * r = reverse), registered in Gluon's order: `l0_i2h_weight` [G·H, I], `l0_h2h_weight` [G·H, H], `l0_i2h_bias` [G·H],
 * `l0_h2h_bias` [G·H], then `r0_…`, then `l1_…` whose input size is H·directions. The G gate blocks of H rows are stacked
 * as cuDNN, Gluon and PyTorch stack them: LSTM input, forget, cell candidate, output (i, f, g, o); GRU reset, update,
 * new (r, z, n). So a PyTorch state dict loads as it is, only renamed (`weight_ih_l0`, `weight_hh_l0_reverse`, …).
 */
abstract class RnnLayer extends Block {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly layout: "TNC" | "NTC";
  readonly dropout: number;
  readonly bidirectional: boolean;
  protected readonly cells: DirectionParams[] = [];
  private readonly where: string;

  constructor(
    private readonly mode: RnnMode,
    hiddenSize: number,
    options: RnnLayerOptions | undefined,
  ) {
    super(mode);
    const where = mode === "lstm" ? "LSTM" : "GRU";
    this.where = where;
    if (typeof hiddenSize !== "number" || !Number.isInteger(hiddenSize) || hiddenSize < 1)
      throw new Error(`${where}: hiddenSize=${showValue(hiddenSize)} must be an integer >= 1`);
    const o = snapshotOptions(where, options, OPTIONS);
    this.hiddenSize = hiddenSize;
    this.numLayers = readInt(where, "numLayers", o.numLayers, 1, 1);
    this.layout = readEnum(where, "layout", o.layout, ["TNC", "NTC"], "TNC");
    this.dropout = readNumber(where, "dropout", o.dropout, 0, 0, 1);
    if (this.dropout >= 1) throw new Error(`${where}: dropout=${this.dropout} must be in [0, 1)`);
    this.bidirectional = readBoolean(where, "bidirectional", o.bidirectional, false);
    const inputSize = readInt(where, "inputSize", o.inputSize, 0, 0);
    const dtype = readDtype(where, o.dtype);
    const wInit = (name: "i2hWeightInitializer" | "h2hWeightInitializer") => readInitializer(where, name, o[name], null);
    const bInit = (name: "i2hBiasInitializer" | "h2hBiasInitializer") => readInitializer(where, name, o[name], new Zero());
    const rows = RNN_GATES[mode] * hiddenSize;
    let ni = inputSize;
    for (let l = 0; l < this.numLayers; l++) {
      for (const d of this.bidirectional ? ["l", "r"] : ["l"]) {
        const p = (name: string, shape: number[], init: Initializer | null) =>
          this.registerParameter(new Parameter(`${d}${l}_${name}`, shape, dtype, init, where));
        this.cells.push({
          i2hWeight: p("i2h_weight", [rows, ni], wInit("i2hWeightInitializer")),
          h2hWeight: p("h2h_weight", [rows, hiddenSize], wInit("h2hWeightInitializer")),
          i2hBias: p("i2h_bias", [rows], bInit("i2hBiasInitializer")),
          h2hBias: p("h2h_bias", [rows], bInit("h2hBiasInitializer")),
        });
      }
      ni = hiddenSize * this.directions;
    }
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** How many state arrays forward takes and returns: LSTM 2 (h, c), GRU 1 (h). */
  protected get stateCount(): number {
    return this.mode === "lstm" ? 2 : 1;
  }

  /**
   * Gluon's begin_state: zero states (LSTM [h, c], GRU [h]), each [numLayers·directions, batchSize, hiddenSize], in the
   * parameters' dtype and on their device unless `dtype` / `ctx` say otherwise.
   */
  beginState(batchSize: number, options?: { dtype?: Dtype; ctx?: Context }): NDArray[] {
    const where = `${this.where}.beginState`;
    if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`${where}: batchSize=${showValue(batchSize)} must be an integer >= 1`);
    const o = snapshotOptions(where, options, ["dtype", "ctx"]);
    const first = this.cells[0]!.i2hWeight;
    const dtype = o.dtype === undefined ? first.dtype : readDtype(where, o.dtype);
    if (o.ctx !== undefined && !(o.ctx instanceof Context))
      throw new Error(`${where}: ctx must be a context such as npx.cpu() or npx.gpu(0), got ${showValue(o.ctx)}`);
    const ctx = (o.ctx as Context | undefined) ?? first.ctx;
    return Array.from({ length: this.stateCount }, () => zeros([this.numLayers * this.directions, batchSize, this.hiddenSize], { dtype }).asInCtx(ctx));
  }

  /** PyTorch's nn.LSTM / nn.GRU names: `l0_i2h_weight` → `weight_ih_l0`, `r1_h2h_bias` → `bias_hh_l1_reverse`. */
  override pytorchParameterName(own: string): string {
    const m = /^([lr])(\d+)_(i2h|h2h)_(weight|bias)$/.exec(own);
    if (!m) return own;
    return `${m[4]}_${m[3] === "i2h" ? "ih" : "hh"}_l${m[2]}${m[1] === "r" ? "_reverse" : ""}`;
  }

  protected override describe(): string {
    const i = this.cells[0]!.i2hWeight.shape[1];
    return (
      `${i === 0 ? "None" : i} -> ${this.hiddenSize}, ${this.layout}` +
      (this.numLayers !== 1 ? `, num_layers=${this.numLayers}` : "") +
      (this.dropout !== 0 ? `, dropout=${this.dropout}` : "") +
      (this.bidirectional ? ", bidirectional" : "")
    );
  }

  /** Checks the input and states (before any work) and completes a deferred input size. */
  private check(x: unknown, states: readonly NDArray[] | null): void {
    const where = this.where;
    if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
    if (x.ndim !== 3)
      throw new Error(`${where}: input must be 3-D [${this.layout.split("").join(", ")}] (layout ${this.layout}), got shape ${formatShape(x.shape)}`);
    const first = this.cells[0]!.i2hWeight;
    if (x.dtype !== first.dtype) throw new Error(`${where}: input is ${x.dtype} but the layer's parameters are ${first.dtype} (its dtype option)`);
    const features = x.shape[2]!;
    if (first.shape[1] === 0) {
      if (features < 1) throw new Error(`${where}: input shape ${formatShape(x.shape)} has no features to infer inputSize from`);
      for (let d = 0; d < this.directions; d++) this.cells[d]!.i2hWeight.inferShape([first.shape[0]!, features]);
    }
    if (first.shape[1] !== features)
      throw new Error(`${where}: input shape ${formatShape(x.shape)} has ${features} features but the layer expects ${first.shape[1]} (inputSize)`);
    if (x.shape[this.layout === "TNC" ? 0 : 1] === 0) throw new Error(`${where}: input shape ${formatShape(x.shape)} has an empty sequence`);
    if (states === null) return;
    const n = x.shape[this.layout.indexOf("N")]!;
    const want = [this.numLayers * this.directions, n, this.hiddenSize];
    if (states.length !== this.stateCount)
      throw new Error(
        `${where}: states must be ${this.stateCount === 2 ? "[h, c]" : "[h]"} (${this.stateCount} array${this.stateCount === 2 ? "s" : ""}), got ${states.length}`,
      );
    states.forEach((s, k) => {
      if (!(s instanceof NDArray)) throw new Error(`${where}: state ${k} must be an NDArray, got ${showValue(s)}`);
      if (s.ndim !== 3 || s.shape.some((d, i) => d !== want[i]))
        throw new Error(`${where}: state ${k} has shape ${formatShape(s.shape)}, expected ${formatShape(want)} ([numLayers·directions, batch, hiddenSize])`);
      if (s.dtype !== x.dtype) throw new Error(`${where}: state ${k} is ${s.dtype} but the input is ${x.dtype}`);
    });
  }

  /** One layer, both directions: its output [T, N, H·directions] (or [N, T, …]); final states appended to `finals`. */
  private layer(l: number, input: NDArray, timeAxis: 0 | 1, given: readonly NDArray[] | null, finals: NDArray[][] | null): NDArray {
    const dirs = this.directions;
    const outs: NDArray[] = [];
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d;
      const cell = this.cells[k]!;
      const r = rnnDirection(
        this.mode,
        input,
        timeAxis,
        { i2hWeight: cell.i2hWeight.data(), h2hWeight: cell.h2hWeight.data(), i2hBias: cell.i2hBias.data(), h2hBias: cell.h2hBias.data() },
        this.hiddenSize,
        GLUON_GATE_BLOCKS[this.mode],
        d === 1,
        given ? at(given[0]!, [k]) : null,
        given && this.mode === "lstm" ? at(given[1]!, [k]) : null,
      );
      outs.push(stack(r.outputs, { axis: timeAxis }));
      if (finals) {
        finals[0]!.push(r.h);
        if (r.c) finals[1]!.push(r.c);
      }
    }
    return dirs === 1 ? outs[0]! : concatenate(outs, { axis: 2 });
  }

  /**
   * Runs the layers over `x` ([T, N, C] for layout TNC, [N, T, C] for NTC). Without `states` the begin states are zero
   * and only the output is returned ([T, N, H·directions] or [N, T, H·directions]); with `states` (Gluon's list: LSTM
   * [h, c], GRU [h], each [numLayers·directions, N, H]) returns [output, final states in the same form].
   */
  forward(x: NDArray): NDArray;
  forward(x: NDArray, states: NDArray | readonly NDArray[]): [NDArray, NDArray[]];
  forward(x: NDArray, states?: NDArray | readonly NDArray[] | null): NDArray | [NDArray, NDArray[]] {
    const given = states === undefined || states === null ? null : states instanceof NDArray ? [states] : [...states];
    this.check(x, given);
    const timeAxis = this.layout === "TNC" ? 0 : 1;
    const dirs = this.directions;
    const finals: NDArray[][] = Array.from({ length: this.stateCount }, () => []);
    let input = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0) input = dropout(input, { p: this.dropout });
      // an ONNX export sees one LSTM / GRU node per layer. With begin states the forward also returns the final
      // states, which one traced output cannot carry: the trace then sees the steps (exact, for the traced length).
      if (tracing() && !given) {
        const layerInput = input;
        const weights = this.cells.slice(l * dirs, (l + 1) * dirs).flatMap((c) => [c.i2hWeight, c.h2hWeight, c.i2hBias, c.h2hBias].map((p) => p.data()));
        input = traceOp(
          "rnn_layer",
          [layerInput, ...weights],
          untraced(() => this.layer(l, layerInput, timeAxis, null, null)),
          { mode: this.mode, timeAxis, hidden: this.hiddenSize, directions: dirs as 1 | 2 },
        );
      } else input = this.layer(l, input, timeAxis, given, finals);
    }
    if (!given) return input;
    return [input, finals.map((list) => stack(list, { axis: 0 }))];
  }
}

/**
 * Gluon's rnn.LSTM (PyTorch's nn.LSTM): per step i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…),
 * o = σ(…), c′ = f·c + i·g, h′ = o·tanh(c′). Gates stacked i, f, g, o (Gluon's and PyTorch's order). States [h, c].
 */
export class LSTM extends RnnLayer {
  constructor(hiddenSize: number, options?: RnnLayerOptions) {
    super("lstm", hiddenSize, options);
  }
}

/**
 * Gluon's rnn.GRU (PyTorch's nn.GRU): per step r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(…),
 * n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h′ = (1 − z)·n + z·h. Gates stacked r, z, n. States [h].
 */
export class GRU extends RnnLayer {
  constructor(hiddenSize: number, options?: RnnLayerOptions) {
    super("gru", hiddenSize, options);
  }
}

// forward builds its outputs from fresh arrays and keeps no reference to its input or output once it returns
markKeepsNothing(LSTM);
markKeepsNothing(GRU);
