// The CPU backend: typed-array storage, the JS loops, the wasm kernels and their thread pool behind the Backend interface.
import type { Backend, BinaryKernelOp, UnaryKernelOp } from "../backend.js";
import { binaryRuns, unaryRuns } from "../js/elementwise-loops.generated.js";
import { allocate } from "../../ndarray/dtype.js";
import { binaryInto, reduceInto, scalarView, unaryInto, whereInto } from "../js/elementwise.js";
import { adamUpdate, sgdUpdate } from "../js/optimizer.js";
import { gridToImage, imageToGrid, imageToGridAdd, matmul, matmulBatched, weightGrad } from "./conv-dispatch.js";
import { fillChannels, foldScatter, padGather } from "../reference/pad.js";
import { resampleAxisAdjoint } from "../reference/resample.js";
import { resampleAxis } from "../fused/resample.js";
import { poolBackward, poolGather } from "../fused/pooling.js";
import { poolForward } from "./pool-dispatch.js";
import {
  batchNormAffineActForward,
  batchNormAffineForward,
  batchNormPredictAffine,
  batchNormPredictBackward,
  batchNormRunningUpdate,
  batchNormTrainBackward,
  batchNormTrainForward,
} from "../fused/batch-norm.js";
import { groupNormForward } from "../fused/group-norm.js";
import { groupNormForwardWasm } from "../wasm/norm.js";
import { binaryWasm } from "../wasm/elementwise.js";
import { wasmUsable } from "../wasm/runtime.js";
import { leakyBackward, leakyForward, preluBackward, preluForward, softsignBackward, softsignForward } from "../fused/activation.js";
import { concatRows, splitRows } from "../fused/concat.js";
import { pixelShuffle } from "../fused/pixel-shuffle.js";
import { applyMask, dropoutMask } from "../fused/dropout.js";
import { pickAxis } from "../fused/pick.js";

/**
 * The group-norm shapes that run on the wasm passes: rows (inner) and whole inputs at least this long, and inputs at
 * most GROUP_NORM_WASM_MAX elements (the one-thread memory keeps its size once grown; 32 MiB at this bound).
 */
export const GROUP_NORM_WASM_INNER = 16;
export const GROUP_NORM_WASM_SIZE = 4096;
export const GROUP_NORM_WASM_MAX = 1 << 23;

export const cpuBackend: Backend = {
  name: "cpu",
  dtypes: ["float32", "float64"],
  allocate,
  // indices into arrays of up to 2³¹ elements fit an Int32Array; larger ones need a float64's 53 bits
  allocateIndices: (n, range) => (range < 2 ** 31 ? new Int32Array(n) : new Float64Array(n)),
  scalar: scalarView,
  unaryInto,
  // float32 add/sub/mul/div that collapse to rows: the wasm kernels (the same bits), else the JS loops
  binaryInto: (op, shape, o, a, b) => {
    if (!binaryWasm(op, shape, o, a, b)) binaryInto(op, shape, o, a, b);
  },
  whereInto,
  reduceInto,
  imageToGrid,
  imageToGridAdd,
  gridToImage,
  weightGrad,
  matmul,
  matmulBatched,
  pickAxis,
  padGather,
  foldScatter,
  fillChannels,
  resampleAxis,
  resampleAxisAdjoint,
  poolForward,
  poolBackward,
  poolGather,
  // statistics in float64 whatever the data's dtype (one rounding where they meet float32 data)
  allocateStats: (n) => new Float64Array(n),
  batchNormTrainForward,
  batchNormPredictAffine,
  batchNormAffineForward,
  batchNormAffineActForward,
  batchNormTrainBackward,
  batchNormPredictBackward,
  batchNormRunningUpdate,
  groupNormForward: (v, x, gamma, beta, eps, y, mean, invstd) => {
    // float32 rows of at least GROUP_NORM_WASM_INNER elements: the wasm passes (the same bits), past the copies' cost
    const n = x.length;
    if (
      x instanceof Float32Array &&
      y instanceof Float32Array &&
      v.inner >= GROUP_NORM_WASM_INNER &&
      n >= GROUP_NORM_WASM_SIZE &&
      n <= GROUP_NORM_WASM_MAX &&
      wasmUsable()
    )
      groupNormForwardWasm(v, x, gamma, beta, eps, y, mean as Float64Array, invstd as Float64Array);
    else groupNormForward(v, x, gamma, beta, eps, y, mean as Float64Array, invstd as Float64Array);
  },
  leakyForward,
  leakyBackward,
  softsignForward,
  softsignBackward,
  preluForward,
  preluBackward,
  concatRows,
  splitRows,
  pixelShuffle,
  dropoutMask,
  applyMask,
  sgdUpdate,
  adamUpdate,
};

// every elementwise name of the interface has a generated loop: both come from params/elementwise-ops.json, and this
// keeps it so if the names ever gain another source
const loopsCoverUnary: Readonly<Record<UnaryKernelOp, unknown>> = unaryRuns;
const loopsCoverBinary: Readonly<Record<BinaryKernelOp, unknown>> = binaryRuns;
void loopsCoverUnary;
void loopsCoverBinary;
