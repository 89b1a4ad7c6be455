// Gluon's basic layers: Dense, Flatten, Activation, LeakyReLU, ELU, SELU, GELU, HardSigmoid, HardSwish, Dropout.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Dtype } from "../ndarray/strided.js";
import { dot } from "../ops/linalg.js";
import { binary } from "../ops/elementwise.js";
import { reshape, transpose } from "../ops/shape.js";
import { leakyRelu } from "../ops/activation.js";
import { dropout } from "../ops/dropout.js";
import { type Activation as ActivationName, activation as applyActivation } from "../ops/activation.js";
import { Constant, type Initializer, Zero } from "../init/initializers.js";
import { readBoolean, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";
import { Parameter } from "./parameter.js";
import { readActivation, readDtype, readInitializer } from "./layer-options.js";

function checkInput(where: string, x: unknown): asserts x is NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
}

export interface DenseOptions {
  /** applied to the output; default none */
  activation?: ActivationName | null;
  /** default true */
  useBias?: boolean;
  /** true (default): flatten every axis after the first (MXNet); false: act on the last axis only (PyTorch's Linear) */
  flatten?: boolean;
  /** 0 (default): inferred from the first input */
  inUnits?: number;
  /** default: the initializer given to initialize() */
  weightInitializer?: Initializer | null;
  /** default zeros */
  biasInitializer?: Initializer;
  dtype?: Dtype;
}

/** Gluon's Dense (PyTorch's Linear): y = x·Wᵀ + b with weight [units, inUnits] and bias [units]. */
export class Dense extends Block {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly units: number;
  readonly flatten: boolean;
  readonly activation: ActivationName | null;

  constructor(units: number, options?: DenseOptions) {
    super("dense");
    const where = "Dense";
    if (typeof units !== "number" || !Number.isInteger(units) || units < 1) throw new Error(`${where}: units=${showValue(units)} must be an integer >= 1`);
    const o = snapshotOptions(where, options, ["activation", "useBias", "flatten", "inUnits", "weightInitializer", "biasInitializer", "dtype"]);
    this.units = units;
    this.activation = readActivation(where, o.activation);
    this.flatten = readBoolean(where, "flatten", o.flatten, true);
    const inUnits = readInt(where, "inUnits", o.inUnits, 0, 0);
    const dtype = readDtype(where, o.dtype);
    this.weight = this.registerParameter(
      new Parameter("weight", [units, inUnits], dtype, readInitializer(where, "weightInitializer", o.weightInitializer, null), where),
    );
    this.bias = readBoolean(where, "useBias", o.useBias, true)
      ? this.registerParameter(new Parameter("bias", [units], dtype, readInitializer(where, "biasInitializer", o.biasInitializer, new Zero()), where))
      : null;
  }

  protected override describe(): string {
    const i = this.weight.shape[1];
    return `${i === 0 ? "None" : i} -> ${this.units}, ${this.activation ?? "linear"}${this.flatten ? "" : ", flatten=False"}${this.bias ? "" : ", bias=False"}`;
  }

  forward(x: NDArray): NDArray {
    const where = "Dense";
    checkInput(where, x);
    if (x.ndim < 1 || (this.flatten && x.ndim < 2))
      throw new Error(`${where}: expects a batch of inputs (at least ${this.flatten ? 2 : 1}-D), got shape ${formatShape(x.shape)}`);
    const inUnits = this.flatten ? x.shape.slice(1).reduce((p, d) => p * d, 1) : x.shape[x.ndim - 1]!;
    if (this.weight.shape[1] === 0) this.weight.inferShape([this.units, inUnits]);
    if (this.weight.shape[1] !== inUnits)
      throw new Error(
        `${where}: input shape ${formatShape(x.shape)} gives ${inUnits} features${this.flatten ? " (flattened)" : ""} but the weight expects ${this.weight.shape[1]} (inUnits)`,
      );
    if (x.dtype !== this.weight.dtype) throw new Error(`${where}: input is ${x.dtype} but the layer's parameters are ${this.weight.dtype} (its dtype option)`);
    const lead = this.flatten ? [x.shape[0]!] : x.shape.slice(0, -1);
    const rows = reshape(x, [-1, inUnits]);
    let y = dot(rows, transpose(this.weight.data()));
    if (this.bias) y = binary("add", y, this.bias.data());
    y = reshape(y, [...lead, this.units]);
    return this.activation ? applyActivation(y, this.activation) : y;
  }
}

/** Gluon's Flatten: [N, …] → [N, ∏…]. */
export class Flatten extends Block {
  constructor() {
    super("flatten");
  }
  forward(x: NDArray): NDArray {
    checkInput("Flatten", x);
    if (x.ndim < 1) throw new Error("Flatten: expects at least a 1-D input (the batch axis), got a 0-d array");
    return reshape(x, [x.shape[0]!, -1]);
  }
}

/** Gluon's Activation(name): relu, sigmoid, tanh, softrelu, softsign, hardsigmoid or hardswish. */
export class Activation extends Block {
  readonly name: ActivationName;
  constructor(activation: ActivationName) {
    super("activation");
    const a = readActivation("Activation", activation);
    if (a === null) throw new Error('Activation: an activation name is required, e.g. new nn.Activation("relu")');
    this.name = a;
  }
  protected override describe(): string {
    return this.name;
  }
  forward(x: NDArray): NDArray {
    checkInput("Activation", x);
    return applyActivation(x, this.name);
  }
}

/** Gluon's LeakyReLU(alpha): x for x > 0, alpha·x otherwise (alpha ≥ 0). */
export class LeakyReLU extends Block {
  readonly alpha: number;
  constructor(alpha: number) {
    super("leakyrelu");
    this.alpha = readNumber("LeakyReLU", "alpha", alpha, NaN, 0);
    if (Number.isNaN(this.alpha)) throw new Error("LeakyReLU: alpha (the negative slope) is required, e.g. new nn.LeakyReLU(0.2)");
  }
  protected override describe(): string {
    return String(this.alpha);
  }
  forward(x: NDArray): NDArray {
    checkInput("LeakyReLU", x);
    return leakyRelu(x, { slope: this.alpha });
  }
}

export interface PReLUOptions {
  /** default init.Constant(0.25) */
  alphaInitializer?: Initializer;
  /** slopes: 1 (default, one shared) or the number of channels (axis 1) */
  inChannels?: number;
  dtype?: Dtype;
}

/** Gluon's PReLU: x for x > 0, α·x otherwise, with learned slopes `alpha` (one shared, or one per channel). */
export class PReLU extends Block {
  readonly alpha: Parameter;
  constructor(options?: PReLUOptions) {
    super("prelu");
    const o = snapshotOptions("PReLU", options, ["alphaInitializer", "inChannels", "dtype"]);
    const inChannels = readInt("PReLU", "inChannels", o.inChannels, 1, 1);
    this.alpha = this.registerParameter(
      new Parameter(
        "alpha",
        [inChannels],
        readDtype("PReLU", o.dtype),
        readInitializer("PReLU", "alphaInitializer", o.alphaInitializer, new Constant(0.25)),
        "PReLU",
      ),
    );
  }
  forward(x: NDArray): NDArray {
    checkInput("PReLU", x);
    return leakyRelu(x, { actType: "prelu", gamma: this.alpha.data() });
  }
}

/** Gluon's ELU(alpha = 1): x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Block {
  readonly alpha: number;
  constructor(alpha = 1) {
    super("elu");
    this.alpha = readNumber("ELU", "alpha", alpha, 1);
  }
  forward(x: NDArray): NDArray {
    checkInput("ELU", x);
    return leakyRelu(x, { actType: "elu", slope: this.alpha });
  }
}

/** Gluon's SELU. */
export class SELU extends Block {
  constructor() {
    super("selu");
  }
  forward(x: NDArray): NDArray {
    checkInput("SELU", x);
    return leakyRelu(x, { actType: "selu" });
  }
}

/** Gluon's GELU (the erf form): x·Φ(x). */
export class GELU extends Block {
  constructor() {
    super("gelu");
  }
  forward(x: NDArray): NDArray {
    checkInput("GELU", x);
    return leakyRelu(x, { actType: "gelu" });
  }
}

/** Gluon's HardSigmoid (PyTorch's Hardsigmoid): relu6(x + 3)/6. */
export class HardSigmoid extends Block {
  constructor() {
    super("hardsigmoid");
  }
  forward(x: NDArray): NDArray {
    checkInput("HardSigmoid", x);
    return applyActivation(x, "hardsigmoid");
  }
}

/** Gluon's HardSwish (PyTorch's Hardswish, MobileNetV3): x·relu6(x + 3)/6. */
export class HardSwish extends Block {
  constructor() {
    super("hardswish");
  }
  forward(x: NDArray): NDArray {
    checkInput("HardSwish", x);
    return applyActivation(x, "hardswish");
  }
}

export interface DropoutLayerOptions {
  /** axes sharing one mask value (variational dropout); default none */
  axes?: readonly number[];
}

/** Gluon's Dropout(rate): zeroes elements with probability `rate` in training mode, the identity in predict mode. */
export class Dropout extends Block {
  readonly rate: number;
  readonly axes: readonly number[] | undefined;
  constructor(rate: number, options?: DropoutLayerOptions) {
    super("dropout");
    const o = snapshotOptions("Dropout", options, ["axes"]);
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0 || rate >= 1)
      throw new Error(`Dropout: rate=${showValue(rate)} must be a number in [0, 1)`);
    this.rate = rate;
    this.axes = o.axes as readonly number[] | undefined;
  }
  protected override describe(): string {
    return `p = ${this.rate}`;
  }
  forward(x: NDArray): NDArray {
    checkInput("Dropout", x);
    return dropout(x, { p: this.rate, axes: this.axes });
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(Dense);
markKeepsNothing(Flatten);
markKeepsNothing(Activation);
markKeepsNothing(LeakyReLU);
markKeepsNothing(PReLU);
markKeepsNothing(ELU);
markKeepsNothing(SELU);
markKeepsNothing(GELU);
markKeepsNothing(HardSigmoid);
markKeepsNothing(HardSwish);
markKeepsNothing(Dropout);
