// Gluon convolution layers Conv1D/2D/3D and Conv1DTranspose/2DTranspose/3DTranspose over npx ops.
import type { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import { formatShape } from "../ndarray/strided.js";
import type { Layout } from "../params/geometry.js";
import type { ConvOptions, Padding } from "../params/conv-params.js";
import { type PaddingMode, readPaddingMode } from "../params/padding-mode.js";
import { overlapCount } from "../d2l/matrix-view.js";
import { inverseOfOptions, warnCheckerboard } from "./conv-transpose-tools.js";
import { convolution, deconvolution } from "../ops/conv.js";
import { type Activation, activation as applyActivation } from "../npx.js";
import { Block } from "./block.js";
import { Parameter } from "./parameter.js";
import { type Initializer, Zero } from "../init/initializers.js";

export interface ConvLayerOptions {
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: Padding;
  dilation?: number | readonly number[];
  groups?: number;
  /** default channels-first (NCW / NCHW / NCDHW) */
  layout?: Layout;
  activation?: Activation | null;
  useBias?: boolean;
  /** default: the initializer given to initialize(), or Uniform(0.07) */
  weightInitializer?: Initializer | null;
  /** default: zeros */
  biasInitializer?: Initializer;
  /** 0 (default): inferred from the first input (deferred initialization) */
  inChannels?: number;
  dtype?: Dtype;
  /** what the padding holds: "zeros" (default), "reflect", "replicate", "circular" (see params/padding-mode.ts) */
  paddingMode?: PaddingMode;
}

export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  outputPadding?: number | readonly number[];
}

const CHANNELS_LAST = new Set<Layout>(["NWC", "NHWC", "NDHWC"]);
const ACTIVATIONS: readonly Activation[] = ["relu", "sigmoid", "tanh", "softrelu"];

abstract class ConvLayer extends Block {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly layout: Layout;
  readonly kernel: number[];
  /** @internal nn.SpectralNorm's weight for the forward it runs (null: the weight parameter) */
  weightOverride: NDArray | null = null;

  constructor(
    readonly className: string,
    readonly nd: number,
    readonly transposed: boolean,
    readonly channels: number,
    readonly options: ConvTransposeLayerOptions,
  ) {
    super(transposed ? "convtranspose" : "conv");
    if (!options || typeof options !== "object") throw new Error(`${className}: options with kernelSize are required, e.g. new nn.${className}(${channels}, { kernelSize: 3 })`);
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`${className}: channels=${channels} must be an integer >= 1`);
    const k = options.kernelSize;
    const kernel = typeof k === "number" ? new Array<number>(nd).fill(k) : Array.isArray(k) ? [...k] : [];
    if (kernel.length !== nd || !kernel.every((v) => Number.isInteger(v) && v >= 1))
      throw new Error(`${className}: kernelSize=${JSON.stringify(k)} must be a positive integer or ${nd} of them`);
    this.kernel = kernel;
    // checked here so that the error names the layer (the op would only say "convolution" at the first forward)
    for (const name of ["strides", "dilation"] as const) {
      const v = options[name];
      if (v === undefined || v === null) continue;
      const list = typeof v === "number" ? [v] : Array.isArray(v) ? v : null;
      if (!list || list.length !== (typeof v === "number" ? 1 : nd) || !list.every((x) => Number.isInteger(x) && x >= 1))
        throw new Error(`${className}: ${name}=${JSON.stringify(v)} must be a positive integer or ${nd} of them`);
    }
    const inChannels = options.inChannels ?? 0;
    if (!Number.isInteger(inChannels) || inChannels < 0) throw new Error(`${className}: inChannels=${inChannels} must be an integer >= 0`);
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`${className}: groups=${groups} must be an integer >= 1`);
    // groups must divide both channel counts; an inChannels of 0 is checked at the first forward
    for (const [side, count] of [["input", inChannels], ["output", channels]] as const)
      if (count % groups !== 0) throw new Error(`${className}: groups=${groups} must divide ${side} channels ${count}`);
    readPaddingMode(className, options.paddingMode);
    const act = options.activation;
    if (act !== undefined && act !== null && !ACTIVATIONS.includes(act))
      throw new Error(`${className}: activation "${String(act)}" is not one of ${ACTIVATIONS.join(", ")}`);
    this.layout = options.layout ?? (["NCW", "NCHW", "NCDHW"] as const)[nd - 1]!;
    const [gridC, imagePerGroup] = transposed ? [inChannels, channels / groups] : [channels, inChannels / groups];
    const wShape = CHANNELS_LAST.has(this.layout) ? [gridC, ...kernel, imagePerGroup] : [gridC, imagePerGroup, ...kernel];
    const dtype = options.dtype ?? "float32";
    this.weight = new Parameter("weight", wShape, dtype, options.weightInitializer ?? null, className, {
      channelsLast: CHANNELS_LAST.has(this.layout),
    });
    this.registerParameter(this.weight);
    // a loaded file may complete a deferred inChannels (a transposed weight's first axis): groups must divide it
    if (transposed) this.weight.acceptShape = (s) => (s[0]! % groups === 0 ? null : `groups=${groups} must divide input channels ${s[0]}`);
    this.bias = options.useBias === false ? null : new Parameter("bias", [channels], dtype, options.biasInitializer ?? new Zero(), className);
    if (this.bias) this.registerParameter(this.bias);
  }

  /** Infers inChannels from the first input and checks it against the weight afterwards. */
  protected prepare(x: NDArray): void {
    if (x.ndim !== this.nd + 2)
      throw new Error(`${this.className}: expects a ${this.nd + 2}-D input (${this.layout}), got shape ${formatShape(x.shape)}`);
    const xc = CHANNELS_LAST.has(this.layout) ? x.shape[x.ndim - 1]! : x.shape[1]!;
    const w = this.weight;
    if (!w.isInitialized && w.shape[0] === 0 && this.transposed) w.inferShape([xc, ...w.shape.slice(1)]);
    if (!w.isInitialized && !this.transposed && w.shape.includes(0)) {
      const groups = this.options.groups ?? 1;
      if (xc % groups !== 0) throw new Error(`${this.className}: groups=${groups} must divide input channels ${xc}`);
      const per = xc / groups;
      w.inferShape(CHANNELS_LAST.has(this.layout) ? [w.shape[0]!, ...this.kernel, per] : [w.shape[0]!, per, ...this.kernel]);
    }
    const expects = this.transposed ? w.shape[0]! : (CHANNELS_LAST.has(this.layout) ? w.shape[w.shape.length - 1]! : w.shape[1]!) * (this.options.groups ?? 1);
    if (xc !== expects) throw new Error(`${this.className}: input has ${xc} channels, weight expects ${expects}`);
  }

  protected finish(y: NDArray): NDArray {
    return this.options.activation ? applyActivation(y, this.options.activation) : y;
  }

  protected opOptions() {
    return { ...this.convParams(), outputPadding: undefined, bias: this.bias ? this.bias.data() : null };
  }

  /** The op options of this layer without the bias (npx.convolution / npx.deconvolution, d2l.convMatrix, d2l.spectralNorm). */
  convParams(): ConvOptions {
    const o = this.options;
    const p: ConvOptions = { strides: o.strides, padding: o.padding, dilation: o.dilation, groups: o.groups, layout: this.layout, paddingMode: o.paddingMode };
    return this.transposed ? { ...p, outputPadding: o.outputPadding } : p;
  }

  protected weightData(): NDArray {
    return this.weightOverride ?? this.weight.data();
  }
}

class ConvND extends ConvLayer {
  forward(x: NDArray): NDArray {
    this.prepare(x);
    return this.finish(convolution(x, this.weightData(), this.opOptions()));
  }
}

class ConvNDTranspose extends ConvLayer {
  /** `outputSize` (PyTorch's output_size): the spatial output size wanted, or the full output shape. */
  forward(x: NDArray, options: { outputSize?: readonly number[] } = {}): NDArray {
    this.prepare(x);
    let outputShape = options.outputSize;
    if (outputShape && outputShape.length === this.nd + 2)
      outputShape = CHANNELS_LAST.has(this.layout) ? outputShape.slice(1, -1) : outputShape.slice(2);
    const o = { ...this.opOptions(), outputPadding: outputShape ? undefined : this.options.outputPadding, outputShape };
    return this.finish(deconvolution(x, this.weightData(), o));
  }

  /** Warns once per process (warnings "checkerboard") when the kernel size is not divisible by the stride on some axis. */
  protected checkOverlap(): void {
    const per = (v: number | readonly number[] | undefined) => (v === undefined ? this.kernel.map(() => 1) : typeof v === "number" ? this.kernel.map(() => v) : v);
    warnCheckerboard(this.className, this.kernel, per(this.options.strides), per(this.options.dilation));
  }

  /** d2l.overlapCount for this layer's parameters: how many input elements write each output position (spatial or full inputShape). */
  overlapCount(inputShape: readonly number[]): NDArray {
    if (!Array.isArray(inputShape) || (inputShape.length !== this.nd && inputShape.length !== this.nd + 2))
      throw new Error(`${this.className}.overlapCount: inputShape must be ${this.nd} spatial sizes or the full ${this.nd + 2}-D input shape, got ${JSON.stringify(inputShape)}`);
    const spatial = inputShape.length === this.nd ? inputShape : CHANNELS_LAST.has(this.layout) ? inputShape.slice(1, -1) : inputShape.slice(2);
    return overlapCount({ ...this.convParams(), kernelSize: this.kernel, layout: undefined, groups: undefined }, spatial);
  }

  /**
   * The transposed layer that gives back `inputShape` (the conv's full input shape) from `conv`'s output: same kernel,
   * strides, padding, dilation, groups, layout and paddingMode, channels = the conv's input channels, and the
   * outputPadding that this input shape needs (outputPaddingFor). `options`: activation, useBias, initializers, dtype.
   */
  static inverseOf<T extends ConvNDTranspose>(
    this: (new (channels: number, options: ConvTransposeLayerOptions) => T) & { name: string },
    conv: ConvLayer,
    inputShape: readonly number[],
    options?: Pick<ConvLayerOptions, "activation" | "useBias" | "weightInitializer" | "biasInitializer" | "dtype">,
  ): T {
    const where = `${this.name}.inverseOf`;
    if (!(conv instanceof ConvND)) throw new Error(`${where}: conv must be a convolution layer (nn.Conv1D, Conv2D or Conv3D), got ${conv instanceof ConvLayer ? `a ${conv.className}` : String(conv)}`);
    const want = [Conv1DTranspose, Conv2DTranspose, Conv3DTranspose][conv.nd - 1]!;
    if (this !== (want as unknown) && !(this.prototype instanceof want))
      throw new Error(`${where}: conv is a ${conv.className}; use nn.${want.name}.inverseOf`);
    const w = conv.weight;
    const inChannels = conv.options.inChannels || (w.shape.includes(0) ? 0 : (CHANNELS_LAST.has(conv.layout) ? w.shape[w.shape.length - 1]! : w.shape[1]!) * (conv.options.groups ?? 1));
    const r = inverseOfOptions(where, { className: conv.className, nd: conv.nd, channels: conv.channels, kernel: conv.kernel, layout: conv.layout, options: conv.options, inChannels }, inputShape, options);
    return new this(r.channels, r.options);
  }
}

export class Conv1D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv1D", 1, false, channels, options);
  }
}
export class Conv2D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv2D", 2, false, channels, options);
  }
}
export class Conv3D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv3D", 3, false, channels, options);
  }
}
export class Conv1DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv1DTranspose", 1, true, channels, options);
    this.checkOverlap();
  }
}
export class Conv2DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv2DTranspose", 2, true, channels, options);
    this.checkOverlap();
  }
}
export class Conv3DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv3DTranspose", 3, true, channels, options);
    this.checkOverlap();
  }
}
