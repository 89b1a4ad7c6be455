// The ONNX operators tconv imports, by op_type, and each op's node arity; the operators live in import-ops-<family>.ts.
import { unary } from "../ops/elementwise.js";
import { Attributes } from "./attributes.js";
import type { CompileContext, OpDef, Runner } from "./import-ops-common.js";
import { conv } from "./import-ops-conv.js";
import { arith, unaryDef, withAlpha, leakyRelu, elu, variadic, batchNorm, clip, softmaxDef, pow, hardSigmoid } from "./import-ops-elementwise.js";
import { instanceNorm, layerNorm, groupNorm } from "./import-ops-norm.js";
import { gruOp, lstmOp } from "./import-ops-rnn.js";
import { expand, whereOp, splitOp, tileOp, range, prelu, einsumOp, modOp, eyeLike, gridSampleOp } from "./import-ops-tensor.js";
import { concat, reshapeOp, flatten, transposeOp, unsqueeze, squeeze, depthToSpace, spaceToDepth, padOp } from "./import-ops-layout.js";
import { gemm, matmulOp } from "./import-ops-linalg.js";
import { scatterND } from "./import-ops-scatter.js";
import { poolDef, globalPool, reduceDef, resizeOp, upsample } from "./import-ops-pool.js";
import { constant, constantOfShape, shapeOp, gather, slice, cast, passThrough, dropout } from "./import-ops-shape.js";

export { type CompileContext, type Runner, tensorValue, type Value } from "./import-ops-common.js";

/**
 * How many inputs and outputs a node of each op may have at an opset, from the ONNX operator specifications (optional
 * trailing inputs included): onnxruntime refuses a node outside these, and so does the importer ([min, max]).
 */
export function arity(op: string, opset: number): { inputs: [number, number]; outputs: [number, number] } {
  const one: [number, number] = [1, 1];
  const io = (inputs: [number, number], outputs: [number, number] = one) => ({ inputs, outputs });
  switch (op) {
    case "Conv":
    case "ConvTranspose":
      return io([2, 3]);
    case "BatchNormalization":
      return io([5, 5], opset >= 14 ? [1, 3] : opset >= 9 ? [1, 5] : [1, 5]);
    case "Clip":
      return io(opset >= 11 ? [1, 3] : [1, 1]);
    case "Add":
    case "Sub":
    case "Mul":
    case "Div":
    case "Pow":
    case "MatMul":
    case "Gather":
      return io([2, 2]);
    case "Max":
    case "Min":
    case "Sum":
    case "Concat":
      return io([1, 2147483647]);
    case "ReduceSum":
      return io(opset >= 13 ? [1, 2] : [1, 1]);
    case "ReduceMean":
    case "ReduceMax":
    case "ReduceMin":
    case "ReduceProd":
      return io(opset >= 18 ? [1, 2] : [1, 1]);
    case "MaxPool":
      return io([1, 1], [1, 2]);
    case "Reshape":
      return io([2, 2]);
    case "Gemm":
      return io(opset >= 11 ? [2, 3] : [3, 3]);
    case "Pad":
      return io(opset >= 18 ? [2, 4] : opset >= 11 ? [2, 3] : [1, 1]);
    case "Resize":
      return io(opset >= 13 ? [1, 4] : opset >= 11 ? [3, 4] : [2, 2]); // roi and scales required in 11–12
    case "Upsample":
      return io(opset >= 9 ? [2, 2] : [1, 1]);
    case "Dropout":
      return io(opset >= 12 ? [1, 3] : [1, 1], [1, 2]);
    case "Constant":
      return io([0, 0]);
    case "Unsqueeze":
      return io(opset >= 13 ? [2, 2] : [1, 1]);
    case "Squeeze":
      return io(opset >= 13 ? [1, 2] : [1, 1]);
    case "Slice":
      return io(opset >= 10 ? [3, 5] : [1, 1]);
    case "PRelu":
    case "Expand":
    case "Tile":
    case "Mod":
    case "GridSample":
      return io([2, 2]);
    case "Where":
    case "Range":
    case "ScatterND":
      return io([3, 3]);
    case "Einsum":
      return io([1, 2147483647]);
    case "Split":
      return io(opset >= 13 ? [1, 2] : [1, 1], [1, 2147483647]);
    case "InstanceNormalization":
    case "GroupNormalization":
      return io([3, 3]);
    case "LayerNormalization":
      return io([2, 3], [1, 3]);
    case "LSTM":
      return io([3, 8], [0, 3]);
    case "GRU":
      return io([3, 6], [0, 2]);
    default:
      return io([1, 1]);
  }
}

/** Every operator the importer reads, by ONNX op_type. */
export const IMPORT_OPS: Readonly<Record<string, OpDef>> = {
  Conv: conv(false),
  ConvTranspose: conv(true),
  BatchNormalization: batchNorm,
  Relu: unaryDef((x) => unary("relu", x)),
  LeakyRelu: withAlpha(0.01, leakyRelu),
  Elu: withAlpha(1, elu),
  Sigmoid: unaryDef((x) => unary("sigmoid", x)),
  Tanh: unaryDef((x) => unary("tanh", x)),
  Softplus: unaryDef((x) => unary("softrelu", x)),
  Clip: clip,
  Neg: unaryDef((x) => unary("neg", x)),
  Exp: unaryDef((x) => unary("exp", x)),
  Log: unaryDef((x) => unary("log", x)),
  Sqrt: unaryDef((x) => unary("sqrt", x)),
  Abs: unaryDef((x) => unary("abs", x)),
  Add: arith("add"),
  Sub: arith("sub"),
  Mul: arith("mul"),
  Div: arith("div"),
  Pow: pow,
  Max: variadic("maximum"),
  Min: variadic("minimum"),
  Sum: variadic("add"),
  ReduceSum: reduceDef("sum"),
  ReduceMean: reduceDef("mean"),
  ReduceMax: reduceDef("max"),
  ReduceMin: reduceDef("min"),
  ReduceProd: reduceDef("prod"),
  Concat: concat,
  MaxPool: poolDef("max"),
  AveragePool: poolDef("avg"),
  GlobalAveragePool: globalPool("mean"),
  GlobalMaxPool: globalPool("max"),
  Flatten: flatten,
  Reshape: reshapeOp,
  Transpose: transposeOp,
  Gemm: gemm,
  MatMul: matmulOp,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  Pad: padOp,
  Resize: resizeOp,
  Upsample: upsample,
  Identity: passThrough([]),
  Dropout: dropout,
  Softmax: softmaxDef(false),
  LogSoftmax: softmaxDef(true),
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Slice: slice,
  Cast: cast,
  HardSigmoid: hardSigmoid,
  Erf: unaryDef((x) => unary("erf", x)),
  Sin: unaryDef((x) => unary("sin", x)),
  Cos: unaryDef((x) => unary("cos", x)),
  PRelu: prelu,
  Expand: expand,
  Where: whereOp,
  Split: splitOp,
  Tile: tileOp,
  Range: range,
  Einsum: einsumOp,
  Mod: modOp,
  EyeLike: eyeLike,
  GridSample: gridSampleOp,
  HardSwish: unaryDef((x) => unary("hardswish", x)),
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
  ScatterND: scatterND,
  LSTM: lstmOp,
  GRU: gruOp,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(IMPORT_OPS).sort();

/** Reads a node's attributes and prepares its runner; throws for unknown attributes or rejected values. */
export function compileNode(opType: string, attrs: ConstructorParameters<typeof Attributes>[0], ctx: CompileContext): Runner {
  const def = IMPORT_OPS[opType]!;
  return def.compile(new Attributes(attrs, ctx.where, def.attrs), ctx);
}
