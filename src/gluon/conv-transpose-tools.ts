// Helpers of the transposed conv layers: the checkerboard warning and the options of ConvNDTranspose.inverseOf.
import { overlapCount } from "../d2l/matrix-view.js";
import { resolveConv } from "../params/conv-params.js";
import { outputPaddingFor } from "../params/output-padding.js";
import { showValue, snapshotOptions } from "../params/options.js";
import type { Layout } from "../params/geometry.js";
import { warnOnce, wouldWarn } from "../warnings.js";
import type { ConvLayerOptions, ConvTransposeLayerOptions } from "./conv-layer-options.js";

const AXIS_NAMES: Record<number, string[]> = { 1: ["W"], 2: ["H", "W"], 3: ["D", "H", "W"] };

/**
 * Odena et al. (2016): a transposed convolution whose kernel size k is not divisible by its stride s writes unequal
 * numbers of times into neighbouring outputs (the checkerboard). Reported once per process through `warnings`.
 */
export function warnCheckerboard(className: string, kernel: readonly number[], strides: readonly number[], dilation: readonly number[]): void {
  const axis = kernel.findIndex((k, i) => k % strides[i]! !== 0);
  if (axis < 0 || !wouldWarn("checkerboard")) return;
  const k = kernel[axis]!,
    s = strides[axis]!,
    d = dilation[axis]!;
  const params = d === 1 ? { kernelSize: k, strides: s } : { kernelSize: k, strides: s, dilation: d };
  const counts = Array.from(overlapCount(params, [4]).asTypedArray());
  warnOnce(
    "checkerboard",
    `${className}: kernel size ${k} is not divisible by stride ${s} on spatial axis ${axis} (${AXIS_NAMES[kernel.length]![axis]}), so neighbouring outputs ` +
      `receive unequal numbers of writes (checkerboard artifacts; rule: kernel size % stride == 0 gives even overlap): ` +
      `d2l.overlapCount(${JSON.stringify(params).replace(/"/g, "")}, [4]) = [${counts.join(", ")}]. ` +
      `Consider resize-convolution (nn.Upsample then a convolution). Silence with warnings.silence("checkerboard").`,
  );
}

/** What inverseOf needs to know about the convolution layer. */
export interface ConvLayerView {
  readonly className: string;
  readonly nd: number;
  readonly channels: number;
  readonly kernel: readonly number[];
  readonly layout: Layout;
  readonly options: ConvLayerOptions;
  /** the input channels the layer is fixed to, or 0 while they are inferred at the first forward */
  readonly inChannels: number;
}

const EXTRA_OPTIONS = ["activation", "useBias", "weightInitializer", "biasInitializer", "dtype"];

/**
 * The transposed layer that restores `inputShape` (the conv's full input shape) from the conv's output: the same kernel,
 * strides, padding (SAME resolved to explicit pairs for this input), dilation, groups, layout and paddingMode;
 * channels = the conv's input channels, inChannels = its channels, and outputPaddingFor's outputPadding.
 */
export function inverseOfOptions(
  where: string,
  conv: ConvLayerView,
  inputShape: unknown,
  extra: unknown,
): { channels: number; options: ConvTransposeLayerOptions } {
  const more = snapshotOptions(where, extra, EXTRA_OPTIONS);
  const nd = conv.nd;
  if (!Array.isArray(inputShape) || inputShape.length !== nd + 2 || !inputShape.every((v) => Number.isInteger(v) && v >= 1))
    throw new Error(`${where}: inputShape=${showValue(inputShape)} must be the conv's full input shape, ${nd + 2} positive integers (${conv.layout})`);
  const channelsLast = conv.layout.endsWith("C");
  const inC = channelsLast ? inputShape[nd + 1]! : inputShape[1]!;
  if (conv.inChannels > 0 && inC !== conv.inChannels)
    throw new Error(`${where}: inputShape=${showValue(inputShape)} has ${inC} channels, but the ${conv.className} takes ${conv.inChannels}`);
  const o = conv.options;
  const groups = o.groups ?? 1;
  const wShape = channelsLast ? [conv.channels, ...conv.kernel, inC / groups] : [conv.channels, inC / groups, ...conv.kernel];
  const convParams = { strides: o.strides, padding: o.padding, dilation: o.dilation, groups: o.groups, layout: conv.layout, paddingMode: o.paddingMode };
  let geometry: ReturnType<typeof resolveConv>["geometry"];
  try {
    if (inC % groups !== 0) throw new Error(`groups=${groups} must divide input channels ${inC}`);
    geometry = resolveConv("convolution", inputShape, wShape, convParams).geometry;
  } catch (e) {
    throw new Error(`${where}: the ${conv.className} rejects inputShape ${showValue(inputShape)}: ${(e as Error).message}`);
  }
  const spatial = inputShape.slice(channelsLast ? 1 : 2, channelsLast ? nd + 1 : nd + 2);
  const { outputPadding } = outputPaddingFor({ ...convParams, layout: undefined, groups: undefined, kernelSize: conv.kernel }, spatial);
  const padding =
    typeof o.padding === "string" && o.padding !== "valid" ? geometry.padBegin.map((b, i) => [b, geometry.padEnd[i]!] as [number, number]) : o.padding;
  const options: ConvTransposeLayerOptions = {
    ...(more as Partial<ConvTransposeLayerOptions>),
    kernelSize: [...conv.kernel],
    strides: o.strides,
    padding,
    dilation: o.dilation,
    groups: o.groups,
    layout: conv.layout,
    paddingMode: o.paddingMode,
    outputPadding,
    inChannels: conv.channels,
  };
  return { channels: inC, options };
}
