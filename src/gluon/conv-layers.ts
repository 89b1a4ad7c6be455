// Gluon convolution layers Conv1D/2D/3D and Conv1DTranspose/2DTranspose/3DTranspose over npx ops.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Layout } from "../params/geometry.js";
import { type ConvOptions, type Padding, resolveConv } from "../params/conv-params.js";
import { weightShape } from "../params/geometry.js";
import { readBoolean, readEnum, readInt, readIntList, showValue, snapshotOptions } from "../params/options.js";
import { readActivation, readDtype, readInitializer } from "./layer-options.js";
import { readPaddingMode } from "../params/padding-mode.js";
import { overlapCount } from "../d2l/matrix-view.js";
import { inverseOfOptions, warnCheckerboard } from "./conv-transpose-tools.js";
import { convolution, convolutionRelu, deconvolution } from "../ops/conv.js";
import { type Activation, activation as applyActivation } from "../ops/activation.js";
import { Block, markKeepsNothing } from "./block.js";
import { Parameter } from "./parameter.js";
import type { ConvLayerOptions, ConvTransposeLayerOptions } from "./conv-layer-options.js";

export type { ConvLayerOptions, ConvTransposeLayerOptions } from "./conv-layer-options.js";
import { Zero } from "../init/initializers.js";

const CHANNELS_LAST = new Set<Layout>(["NWC", "NHWC", "NDHWC"]);
const LAYOUTS: Record<number, readonly [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };
const CONV_OPTIONS = [
  "kernelSize",
  "strides",
  "padding",
  "dilation",
  "groups",
  "layout",
  "activation",
  "useBias",
  "weightInitializer",
  "biasInitializer",
  "inChannels",
  "dtype",
  "paddingMode",
];
const TRANSPOSE_OPTIONS = [...CONV_OPTIONS, "outputPadding"];

/** The largest integer anywhere in an option value (numbers, nested lists), or 1: sizes a probe input every valid option fits. */
function largest(v: unknown): number {
  if (typeof v === "number" && Number.isFinite(v)) return Math.max(1, Math.ceil(v));
  if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, largest(x)), 1);
  return 1;
}

/** Runs `check` (the build-time probe, or the op call of a forward) and renames an op's error ("convolution: …") after the layer, so the message names what the user built. */
function asLayer<T>(className: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof Error && /^(de)?convolution: /.test(e.message)) throw new Error(e.message.replace(/^(de)?convolution: /, `${className}: `));
    throw e;
  }
}

abstract class ConvLayer extends Block {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly layout: Layout;
  readonly kernel: number[];
  /** the caller's options as snapshotted when the layer was built (frozen; later changes to their object do not reach it) */
  readonly options: ConvTransposeLayerOptions;
  protected readonly groups: number;
  protected readonly activation: Activation | null;
  /** @internal nn.SpectralNorm's weight for the forward it runs (null: the weight parameter) */
  weightOverride: NDArray | null = null;

  constructor(
    readonly className: string,
    readonly nd: number,
    readonly transposed: boolean,
    readonly channels: number,
    options: ConvTransposeLayerOptions,
  ) {
    super(transposed ? "convtranspose" : "conv");
    if (options === undefined)
      throw new Error(`${className}: options with kernelSize are required, e.g. new nn.${className}(${showValue(channels)}, { kernelSize: 3 })`);
    const o = snapshotOptions(className, options, transposed ? TRANSPOSE_OPTIONS : CONV_OPTIONS);
    this.options = o as unknown as ConvTransposeLayerOptions;
    if (channels === undefined || channels === null) throw new Error(`${className}: channels=${showValue(channels)} must be an integer >= 1`);
    readInt(className, "channels", channels, 0, 1);
    if (o.kernelSize === undefined || o.kernelSize === null)
      throw new Error(`${className}: kernelSize is required, e.g. new nn.${className}(${channels}, { kernelSize: 3 })`);
    const kernel = readIntList(className, "kernelSize", o.kernelSize, nd, 1, 1);
    this.kernel = kernel;
    const inChannels = readInt(className, "inChannels", o.inChannels, 0, 0);
    const groups = readInt(className, "groups", o.groups, 1, 1);
    this.groups = groups;
    // groups must divide both channel counts; an inChannels of 0 is checked at the first forward
    for (const [side, count] of [
      ["input", inChannels],
      ["output", channels],
    ] as const)
      if (count % groups !== 0) throw new Error(`${className}: groups=${groups} must divide ${side} channels ${count}`);
    const paddingMode = readPaddingMode(className, o.paddingMode);
    this.activation = readActivation(className, o.activation);
    this.layout = readEnum<Layout>(className, "layout", o.layout, LAYOUTS[nd]!, LAYOUTS[nd]![0]);
    const last = CHANNELS_LAST.has(this.layout);
    // strides, dilation, padding and outputPadding are checked by params/ (resolveConv) on a probe input large enough
    // for any valid values, so the layer and the op share one set of rules; errors are renamed after the layer
    const n = largest(o.dilation) * Math.max(...kernel) + 2 * largest(o.padding) + largest(o.strides) + 2;
    const probeC = inChannels || groups;
    const [gridC, imageC] = transposed ? [probeC, channels] : [channels, probeC];
    const spatial = kernel.map(() => n);
    const xShape = last ? [1, ...spatial, probeC] : [1, probeC, ...spatial];
    const wProbe = last ? [gridC, ...kernel, imageC / groups] : [gridC, imageC / groups, ...kernel];
    const probe = asLayer(className, () =>
      resolveConv(transposed ? "deconvolution" : "convolution", xShape, wProbe, {
        strides: o.strides as number[] | undefined,
        padding: o.padding as Padding | undefined,
        dilation: o.dilation as number[] | undefined,
        groups,
        layout: this.layout,
        paddingMode,
        ...(transposed ? { outputPadding: o.outputPadding as number[] | undefined } : {}),
      }),
    );
    // the weight shape from the shared geometry, with 0 for the channels inferred at the first forward
    const wShape = weightShape({ ...probe.geometry, ...(transposed ? { gridChannels: inChannels } : { imageChannels: inChannels }) });
    const dtype = readDtype(className, o.dtype);
    this.weight = new Parameter("weight", wShape, dtype, readInitializer(className, "weightInitializer", o.weightInitializer, null), className, {
      channelsLast: last,
    });
    this.registerParameter(this.weight);
    // a loaded file may complete a deferred inChannels (a transposed weight's first axis): groups must divide it
    if (transposed) this.weight.acceptShape = (s) => (s[0]! % groups === 0 ? null : `groups=${groups} must divide input channels ${s[0]}`);
    this.bias = readBoolean(className, "useBias", o.useBias, true)
      ? new Parameter("bias", [channels], dtype, readInitializer(className, "biasInitializer", o.biasInitializer, new Zero()), className)
      : null;
    if (this.bias) this.registerParameter(this.bias);
  }

  protected override describe(): string {
    const w = this.weight.shape;
    const cin = this.transposed ? w[0]! : (CHANNELS_LAST.has(this.layout) ? w[w.length - 1]! : w[1]!) * this.groups;
    const o = this.options;
    // MXNet's _Conv.__repr__ order, plus the options Gluon lacks (layout, padding_mode); each only when not the default
    const parts = [`${cin === 0 ? "None" : cin} -> ${this.channels}`, `kernel_size=${showValue(this.kernel)}`, `stride=${showValue(o.strides ?? 1)}`];
    const notAll = (v: unknown, d: number) =>
      v !== undefined && v !== null && !(typeof v === "number" ? v === d : Array.isArray(v) && v.flat().every((x) => x === d));
    if (notAll(o.padding, 0) && o.padding !== "valid") parts.push(`padding=${showValue(o.padding)}`);
    if (this.transposed && notAll(o.outputPadding, 0)) parts.push(`output_padding=${showValue(o.outputPadding)}`);
    if (notAll(o.dilation, 1)) parts.push(`dilation=${showValue(o.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push("bias=False");
    if (this.layout !== LAYOUTS[this.nd]![0]) parts.push(`layout=${this.layout}`);
    if (o.paddingMode !== undefined && o.paddingMode !== "zeros") parts.push(`padding_mode=${o.paddingMode}`);
    if (this.activation) parts.push(`Activation(${this.activation})`);
    return parts.join(", ");
  }

  /** Infers inChannels from the first input and checks it against the weight afterwards. */
  protected prepare(x: NDArray): void {
    if (!(x instanceof NDArray)) throw new Error(`${this.className}: input must be an NDArray, got ${showValue(x)}`);
    if (x.ndim !== this.nd + 2) throw new Error(`${this.className}: expects a ${this.nd + 2}-D input (${this.layout}), got shape ${formatShape(x.shape)}`);
    const xc = CHANNELS_LAST.has(this.layout) ? x.shape[x.ndim - 1]! : x.shape[1]!;
    const w = this.weight;
    if (!w.isInitialized && w.shape[0] === 0 && this.transposed) w.inferShape([xc, ...w.shape.slice(1)]);
    if (!w.isInitialized && !this.transposed && w.shape.includes(0)) {
      const groups = this.groups;
      if (xc % groups !== 0) throw new Error(`${this.className}: groups=${groups} must divide input channels ${xc}`);
      const per = xc / groups;
      w.inferShape(CHANNELS_LAST.has(this.layout) ? [w.shape[0]!, ...this.kernel, per] : [w.shape[0]!, per, ...this.kernel]);
    }
    const expects = this.transposed ? w.shape[0]! : (CHANNELS_LAST.has(this.layout) ? w.shape[w.shape.length - 1]! : w.shape[1]!) * this.groups;
    if (xc !== expects) throw new Error(`${this.className}: input has ${xc} channels, weight expects ${expects}`);
  }

  protected finish(y: NDArray): NDArray {
    return this.activation ? applyActivation(y, this.activation) : y;
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
    // ReLU goes into the kernel's store when nothing observes the ops (ops/conv.ts convolutionRelu)
    if (this.activation === "relu") return asLayer(this.className, () => convolutionRelu("convolution", x, this.weightData(), this.opOptions()));
    return this.finish(asLayer(this.className, () => convolution(x, this.weightData(), this.opOptions())));
  }
}

class ConvNDTranspose extends ConvLayer {
  /** `outputSize` (PyTorch's output_size): the spatial output size wanted, or the full output shape. */
  forward(x: NDArray, options: { outputSize?: readonly number[] } = {}): NDArray {
    this.prepare(x);
    let outputShape = options.outputSize;
    if (outputShape && outputShape.length === this.nd + 2) outputShape = CHANNELS_LAST.has(this.layout) ? outputShape.slice(1, -1) : outputShape.slice(2);
    const o = { ...this.opOptions(), outputPadding: outputShape ? undefined : this.options.outputPadding, outputShape };
    try {
      if (this.activation === "relu") return asLayer(this.className, () => convolutionRelu("deconvolution", x, this.weightData(), o));
      return this.finish(asLayer(this.className, () => deconvolution(x, this.weightData(), o)));
    } catch (e) {
      // the op's option is outputShape; the layer's is outputSize (PyTorch's output_size): name what the caller wrote
      if (outputShape && e instanceof Error && e.message.includes("outputShape")) throw new Error(e.message.replaceAll("outputShape", "outputSize"));
      throw e;
    }
  }

  /** Warns once per process (warnings "checkerboard") when the kernel size is not divisible by the stride on some axis. */
  protected checkOverlap(): void {
    const per = (v: number | readonly number[] | undefined) =>
      v === undefined || v === null ? this.kernel.map(() => 1) : typeof v === "number" ? this.kernel.map(() => v) : v;
    warnCheckerboard(this.className, this.kernel, per(this.options.strides), per(this.options.dilation));
  }

  /** d2l.overlapCount for this layer's parameters: how many input elements write each output position (spatial or full inputShape). */
  overlapCount(inputShape: readonly number[]): NDArray {
    if (!Array.isArray(inputShape) || (inputShape.length !== this.nd && inputShape.length !== this.nd + 2))
      throw new Error(
        `${this.className}.overlapCount: inputShape must be ${this.nd} spatial sizes or the full ${this.nd + 2}-D input shape, got ${JSON.stringify(inputShape)}`,
      );
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
    // biome-ignore lint/complexity/noThisInStatic: `this` is the transposed class the call was made on (nn.Conv2DTranspose.inverseOf)
    const where = `${this.name}.inverseOf`;
    if (!(conv instanceof ConvND))
      throw new Error(
        `${where}: conv must be a convolution layer (nn.Conv1D, Conv2D or Conv3D), got ${conv instanceof ConvLayer ? `a ${conv.className}` : String(conv)}`,
      );
    const want = [Conv1DTranspose, Conv2DTranspose, Conv3DTranspose][conv.nd - 1]!;
    // biome-ignore lint/complexity/noThisInStatic: as above; a subclass of the wanted class is accepted
    if (this !== (want as unknown) && !(this.prototype instanceof want))
      throw new Error(`${where}: conv is a ${conv.className}; use nn.${want.name}.inverseOf`);
    const w = conv.weight;
    const inChannels =
      conv.options.inChannels ||
      (w.shape.includes(0) ? 0 : (CHANNELS_LAST.has(conv.layout) ? w.shape[w.shape.length - 1]! : w.shape[1]!) * (conv.options.groups ?? 1));
    const r = inverseOfOptions(
      where,
      { className: conv.className, nd: conv.nd, channels: conv.channels, kernel: conv.kernel, layout: conv.layout, options: conv.options, inChannels },
      inputShape,
      options,
    );
    return new this(r.channels, r.options);
  }
}

/** Gluon's 1-D convolution layer: `new nn.Conv1D(channels, { kernelSize, strides, padding, dilation, groups, layout, activation, useBias })` on [N, C, W] (NCW) input; inChannels is inferred at the first forward. */
export class Conv1D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv1D", 1, false, channels, options);
  }
}
/** Gluon's 2-D convolution layer: `new nn.Conv2D(channels, { kernelSize, strides, padding, dilation, groups, layout, activation, useBias })` on [N, C, H, W] (NCHW) input; inChannels is inferred at the first forward. */
export class Conv2D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv2D", 2, false, channels, options);
  }
}
/** Gluon's 3-D convolution layer: `new nn.Conv3D(channels, { kernelSize, strides, padding, dilation, groups, layout, activation, useBias })` on [N, C, D, H, W] (NCDHW) input; inChannels is inferred at the first forward. */
export class Conv3D extends ConvND {
  constructor(channels: number, options: ConvLayerOptions) {
    super("Conv3D", 3, false, channels, options);
  }
}
/** Gluon's 1-D transposed convolution layer (D2L §12.10): `new nn.Conv1DTranspose(channels, { kernelSize, strides, padding, outputPadding, dilation, groups, layout })`; forward(x, { outputSize }) may ask for an output size. */
export class Conv1DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv1DTranspose", 1, true, channels, options);
    this.checkOverlap();
  }
}
/** Gluon's 2-D transposed convolution layer (D2L §12.10): `new nn.Conv2DTranspose(channels, { kernelSize, strides, padding, outputPadding, dilation, groups, layout })`; forward(x, { outputSize }) may ask for an output size. */
export class Conv2DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv2DTranspose", 2, true, channels, options);
    this.checkOverlap();
  }
}
/** Gluon's 3-D transposed convolution layer (D2L §12.10): `new nn.Conv3DTranspose(channels, { kernelSize, strides, padding, outputPadding, dilation, groups, layout })`; forward(x, { outputSize }) may ask for an output size. */
export class Conv3DTranspose extends ConvNDTranspose {
  constructor(channels: number, options: ConvTransposeLayerOptions) {
    super("Conv3DTranspose", 3, true, channels, options);
    this.checkOverlap();
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(ConvND);
markKeepsNothing(ConvNDTranspose);
