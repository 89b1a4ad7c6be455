// ONNX Conv and ConvTranspose for the importer: attributes resolved once into tconv's convolution options (and the fused form with the activation after it).
import type { NDArray } from "../ndarray/ndarray.js";
import { convolution, convolutionActivated, convolutionAdd, deconvolution } from "../ops/conv.js";
import type { ConvActivation } from "../params/kernel-records.js";
import { type ConvOptions, type Padding, resolveConv } from "../params/conv-params.js";
import { Attributes } from "./attributes.js";
import { checkedSize } from "./proto.js";
import { type CompileContext, type OpDef, type Value, need, float } from "./import-ops-common.js";

const CONV_ATTRS = ["auto_pad", "pads", "strides", "dilations", "group", "kernel_shape"];

function convOptions(a: Attributes, ctx: CompileContext, transposed: boolean) {
  const auto = a.choice("auto_pad", "NOTSET", ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
  const pads = a.ints("pads");
  const strides = a.ints("strides");
  const dilations = a.ints("dilations");
  const group = a.int("group", 1);
  if (group < 1) throw new Error(`${ctx.where}: group=${group} must be >= 1`);
  const kernel = a.ints("kernel_shape");
  const outputPadding = transposed ? a.ints("output_padding") : undefined;
  const outputShape = transposed ? a.ints("output_shape") : undefined;
  if (pads?.some((p) => p < 0)) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must be >= 0`);
  if (pads && pads.length % 2 !== 0) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must have 2 entries per spatial axis (begins, then ends)`);
  return (x: NDArray, w: NDArray): ConvOptions => {
    const nd = x.ndim - 2;
    if (nd < 1 || nd > 3) throw new Error(`${ctx.where}: input of shape [${x.shape.join(",")}] must be N×C×(1 to 3 spatial axes)`);
    const k = w.shape.slice(2);
    if (kernel && (kernel.length !== k.length || kernel.some((v, i) => v !== k[i])))
      throw new Error(`${ctx.where}: kernel_shape=[${kernel.join(",")}] disagrees with the weight's spatial shape [${k.join(",")}]`);
    const o: ConvOptions = { groups: group };
    if (strides) o.strides = strides;
    if (dilations) o.dilation = dilations;
    if (outputPadding) o.outputPadding = outputPadding;
    let padding: Padding | undefined;
    if (pads) {
      if (pads.length !== 2 * nd) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must have ${2 * nd} entries for ${nd} spatial axes`);
      padding = Array.from({ length: nd }, (_, i) => [pads[i]!, pads[i + nd]!] as [number, number]);
    }
    if (outputShape) {
      const os = outputShape.length === nd + 2 ? outputShape.slice(2) : outputShape;
      if (os.length !== nd) throw new Error(`${ctx.where}: output_shape=[${outputShape.join(",")}] must have ${nd} entries`);
      o.outputShape = os;
      // ONNX: with output_shape the pads are derived; NOTSET/SAME_LOWER put the odd unit first, SAME_UPPER last
      padding = auto === "SAME_UPPER" ? "same" : "same-lower";
    } else if (auto === "SAME_UPPER") padding = "same";
    else if (auto === "SAME_LOWER") padding = "same-lower";
    else if (auto === "VALID") padding = "valid";
    if (padding !== undefined) o.padding = padding;
    return o;
  };
}

/** A Conv / ConvTranspose runner that also applies an activation (the importer's fusion with the node after it). */
export type ActivatedRunner = (inputs: readonly (Value | undefined)[], act: ConvActivation) => Value[];

const convAttrs = (transposed: boolean) => (transposed ? [...CONV_ATTRS, "output_padding", "output_shape"] : CONV_ATTRS);

/** The node's runner, with the activation of a fused node after it (act) or without (null). */
function compileConv(a: Attributes, ctx: CompileContext, transposed: boolean) {
  const opts = convOptions(a, ctx, transposed);
  const op = transposed ? "deconvolution" : "convolution";
  // the shapes of the last call whose options were built and whose output size was checked: a graph runs each node on
  // the same shapes forward after forward, and the options and the check (a second resolveConv, ~4.5 µs) depend on
  // nothing else
  let seenX: readonly number[] = [],
    seenW: readonly number[] = [],
    seenOpts: ConvOptions | null = null;
  return (ins: readonly (Value | undefined)[], act: ConvActivation | null, residual: NDArray | null = null): Value[] => {
    const x = float(need(ins, 0, ctx, "X"), ctx);
    const w = float(need(ins, 1, ctx, "W"), ctx);
    const b = ins[2] === undefined ? null : float(ins[2], ctx);
    let base = seenOpts;
    if (base === null || !sameShape(x.shape, seenX) || !sameShape(w.shape, seenW)) {
      seenOpts = null;
      base = opts(x, w);
      // bounded work: a huge stride or output_shape must not size an allocation
      checkedSize(resolveConv(op, x.shape, w.shape, base).outputShape, "the output", ctx.where);
      seenX = x.shape.slice();
      seenW = w.shape.slice();
      seenOpts = base;
    }
    const o = { ...base, bias: b };
    // the activation is stored by the kernel when unobserved (ops/conv.ts convolutionActivated)
    if (act) return [convolutionActivated(op, x, w, act, o)];
    // a residual Add after a Conv (import-fuse.ts fuseConvAdd): added by the kernel when unobserved (convolutionAdd)
    if (residual && !transposed) return [convolutionAdd(x, w, residual, o)];
    return [transposed ? deconvolution(x, w, o) : convolution(x, w, o)];
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Conv / ConvTranspose. */
export const conv = (transposed: boolean): OpDef => ({
  attrs: convAttrs(transposed),
  compile(a, ctx) {
    const run = compileConv(a, ctx, transposed);
    return (ins) => run(ins, null);
  },
});

/** Conv / ConvTranspose compiled for a fusion with the activation node after it. */
export function compileConvActivated(transposed: boolean, attrs: ConstructorParameters<typeof Attributes>[0], ctx: CompileContext): ActivatedRunner {
  const run = compileConv(new Attributes(attrs, ctx.where, convAttrs(transposed)), ctx, transposed);
  return (ins, act) => run(ins, act);
}

/** A Conv runner that also adds a residual: the importer's fusion with the Add after it (import-fuse.ts fuseConvAdd). */
export type ResidualRunner = (inputs: readonly (Value | undefined)[], residual: NDArray) => Value[];

/** Conv compiled for a fusion with the residual Add after it. */
export function compileConvResidual(attrs: ConstructorParameters<typeof Attributes>[0], ctx: CompileContext): ResidualRunner {
  const run = compileConv(new Attributes(attrs, ctx.where, convAttrs(false)), ctx, false);
  return (ins, residual) => run(ins, null, residual);
}
