// Gluon's InstanceNorm, LayerNorm and GroupNorm: per-sample normalisations with a learned per-channel gamma and beta.
import type { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Dtype } from "../ndarray/strided.js";
import { groupNorm, instanceNorm, layerNorm } from "../ops/normalization.js";
import { type Initializer, One, Zero } from "../init/initializers.js";
import { readBoolean, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";
import { Parameter } from "./parameter.js";
import { readDtype, readInitializer } from "./layer-options.js";

interface CommonNormOptions {
  /** default 1e-5 */
  epsilon?: number;
  /** learn beta (false: beta stays 0, not trained); default true */
  center?: boolean;
  /** 0 (default): inferred from the first input */
  inChannels?: number;
  gammaInitializer?: Initializer;
  betaInitializer?: Initializer;
  dtype?: Dtype;
}

export interface InstanceNormLayerOptions extends CommonNormOptions {
  /** the channel axis; default 1 */
  axis?: number;
  /** learn gamma; default false (Gluon's InstanceNorm; PyTorch's affine=False also has no gamma) */
  scale?: boolean;
}

export interface LayerNormLayerOptions extends CommonNormOptions {
  /** the axis normalised; default -1 */
  axis?: number;
  /** learn gamma; default true */
  scale?: boolean;
}

export interface GroupNormLayerOptions extends CommonNormOptions {
  /** channels (axis 1) are split into this many groups; default 1 */
  numGroups?: number;
  /** learn gamma; default true */
  scale?: boolean;
}

const COMMON = ["epsilon", "center", "scale", "inChannels", "gammaInitializer", "betaInitializer", "dtype"] as const;

/** Shared parameter handling: gamma and beta of one size, inferred from the first input when inChannels is 0. */
abstract class FeatureNorm extends Block {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly epsilon: number;
  protected readonly where: string;

  constructor(prefix: string, where: string, o: Readonly<Record<string, unknown>>) {
    super(prefix);
    this.where = where;
    this.epsilon = readNumber(where, "epsilon", o.epsilon, 1e-5, 0);
    if (!(this.epsilon > 0)) throw new Error(`${where}: epsilon=${this.epsilon} must be > 0`);
    const center = readBoolean(where, "center", o.center, true);
    const scale = readBoolean(where, "scale", o.scale, where !== "InstanceNorm");
    const inChannels = readInt(where, "inChannels", o.inChannels, 0, 0);
    const dtype = readDtype(where, o.dtype);
    const param = (name: string, initName: string, dflt: Initializer, learn: boolean) =>
      this.registerParameter(
        new Parameter(name, [inChannels], dtype, readInitializer(where, initName, o[initName], dflt), where, {}, learn ? "write" : "null"),
      );
    this.gamma = param("gamma", "gammaInitializer", new One(), scale);
    this.beta = param("beta", "betaInitializer", new Zero(), center);
  }

  /** PyTorch's norms call gamma and beta `weight` and `bias` (saveParameters with `names: "pytorch"`). */
  override pytorchParameterName(own: string): string {
    return own === "gamma" ? "weight" : own === "beta" ? "bias" : own;
  }

  override checkLoadedShapes(shapes: ReadonlyMap<string, readonly number[]>): string | null {
    const sizes = [this.gamma, this.beta].map((p) => shapes.get(p.name)?.[0] ?? p.shape[0]!);
    if (sizes[0] === 0 || sizes[1] === 0 || sizes[0] === sizes[1]) return null;
    return `gamma and beta must have one size, got ${sizes.join(", ")}`;
  }

  /** gamma and beta for an input with `c` entries on the normalised/channel axis `axis`. */
  protected arrays(x: NDArray, axisOption: number): [NDArray, NDArray] {
    const axis = axisOption < 0 ? axisOption + x.ndim : axisOption;
    if (axis < 0 || axis >= x.ndim) throw new Error(`${this.where}: axis=${axisOption} is out of range for an input of shape ${formatShape(x.shape)}`);
    const c = x.shape[axis]!;
    for (const p of [this.gamma, this.beta]) if (p.shape[0] === 0) p.inferShape([c]);
    if (this.gamma.shape[0] !== c)
      throw new Error(
        `${this.where}: input has ${c} entries on axis ${axis} (shape ${formatShape(x.shape)}) but the layer has ${showValue(this.gamma.shape[0])} (inChannels)`,
      );
    if (x.dtype !== this.gamma.dtype)
      throw new Error(`${this.where}: input is ${x.dtype} but the layer's parameters are ${this.gamma.dtype} (its dtype option)`);
    return [this.gamma.data(), this.beta.data()];
  }

  protected channels(): string {
    const c = this.gamma.shape[0];
    return c === 0 ? "None" : String(c);
  }
}

/**
 * Gluon's InstanceNorm: each sample's channel normalised over its positions,
 * `y = γ[c]·(x − μ[n,c])/√(σ²[n,c] + ε) + β[c]`. PyTorch's InstanceNorm1d/2d/3d (affine=True when scale is on).
 */
export class InstanceNorm extends FeatureNorm {
  readonly axis: number;
  constructor(options?: InstanceNormLayerOptions) {
    const o = snapshotOptions("InstanceNorm", options, ["axis", ...COMMON]);
    super("instancenorm", "InstanceNorm", o);
    this.axis = readInt("InstanceNorm", "axis", o.axis, 1);
  }
  protected override describe(): string {
    return `axis=${this.axis}, eps=${this.epsilon}, in_channels=${this.channels()}`;
  }
  forward(x: NDArray): NDArray {
    const [g, b] = this.arrays(x, this.axis);
    return instanceNorm(x, g, b, { axis: this.axis, eps: this.epsilon });
  }
}

/** Gluon's LayerNorm: normalise over `axis` (default the last), `y = γ·(x − μ)/√(σ² + ε) + β`. PyTorch's LayerNorm(C). */
export class LayerNorm extends FeatureNorm {
  readonly axis: number;
  constructor(options?: LayerNormLayerOptions) {
    const o = snapshotOptions("LayerNorm", options, ["axis", ...COMMON]);
    super("layernorm", "LayerNorm", o);
    this.axis = readInt("LayerNorm", "axis", o.axis, -1);
  }
  protected override describe(): string {
    return `axis=${this.axis}, eps=${this.epsilon}, in_channels=${this.channels()}`;
  }
  forward(x: NDArray): NDArray {
    const [g, b] = this.arrays(x, this.axis);
    return layerNorm(x, g, b, { axis: this.axis, eps: this.epsilon });
  }
}

/** Gluon's GroupNorm: channels (axis 1) in numGroups groups, each normalised per sample; γ, β per channel. PyTorch's GroupNorm. */
export class GroupNorm extends FeatureNorm {
  readonly numGroups: number;
  constructor(options?: GroupNormLayerOptions) {
    const o = snapshotOptions("GroupNorm", options, ["numGroups", ...COMMON]);
    super("groupnorm", "GroupNorm", o);
    this.numGroups = readInt("GroupNorm", "numGroups", o.numGroups, 1, 1);
    const c = this.gamma.shape[0]!;
    if (c > 0 && c % this.numGroups !== 0) throw new Error(`GroupNorm: numGroups=${this.numGroups} must divide inChannels=${c}`);
  }
  protected override describe(): string {
    return `num_groups=${this.numGroups}, eps=${this.epsilon}, in_channels=${this.channels()}`;
  }
  forward(x: NDArray): NDArray {
    if (x.ndim < 2) throw new Error(`GroupNorm: input must have at least 2 axes [N, C, …], got shape ${formatShape(x.shape)}`);
    const [g, b] = this.arrays(x, 1);
    return groupNorm(x, g, b, { numGroups: this.numGroups, eps: this.epsilon });
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(InstanceNorm);
markKeepsNothing(LayerNorm);
markKeepsNothing(GroupNorm);
