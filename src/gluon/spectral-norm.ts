// nn.SpectralNorm: wraps a conv or transposed conv layer and divides its weight by the exact operator norm (SN-GAN, Miyato et al. 2018).
import type { NDArray } from "../ndarray/ndarray.js";
import { isRecording, isTraining, pause } from "../tape/tape.js";
import { readInt, showValue, snapshotOptions } from "../params/options.js";
import { binary } from "../ops/elementwise.js";
import { reduce } from "../ops/reduce.js";
import { astype } from "../ops/shape.js";
import { type ConvOperator, convOperator, powerIteration, startVector } from "../d2l/spectral-norm.js";
import { Block, markKeepsState } from "./block.js";
import { Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose } from "./conv-layers.js";

type ConvLayer = Conv1D | Conv2D | Conv3D | Conv1DTranspose | Conv2DTranspose | Conv3DTranspose;
const LAYERS = [Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose, Conv3DTranspose];

export interface SpectralNormLayerOptions {
  /** the wrapped layer's input shape (batch is ignored): the norm is that of the layer as an operator on such inputs */
  inputShape: readonly number[];
  /** power-iteration steps per training forward (SN-GAN: 1); default 1 */
  iterations?: number;
}

/** Power-iteration steps on the first forward, before any estimate exists (as PyTorch's parametrization starts with 15). */
const WARM_UP = 15;

/**
 * SN-GAN's spectral normalization with the exact norm: the layer runs with weight W/σ(W), σ(W) the largest singular value
 * of the layer's convolution (or transposed convolution) on `inputShape`, padding mode included, not of a reshaped
 * weight matrix. In train mode (autograd.record's default) each forward takes `iterations` power steps from the running
 * unit vector v; while recording, σ = ⟨u, A_W·v⟩ with u = A·v/‖A·v‖ and v held fixed (so dσ/dW = u·vᵀ, the top singular
 * value's gradient, as SN-GAN); in predict mode the last σ is used as it is. The bias is not normalized.
 */
export class SpectralNorm extends Block {
  readonly layer: ConvLayer;
  readonly iterations: number;
  readonly inputShape: readonly number[];
  private v: NDArray | null = null;
  private operator: ConvOperator | null = null;
  private estimate = 0;

  constructor(layer: ConvLayer, options: SpectralNormLayerOptions) {
    super("spectralnorm");
    if (!LAYERS.some((C) => layer instanceof C))
      throw new Error(`SpectralNorm: expects a conv or transposed conv layer (nn.Conv1D … nn.Conv3DTranspose), got ${showValue(layer)}`);
    const o = snapshotOptions("SpectralNorm", options, ["inputShape", "iterations"]);
    const shape = o.inputShape;
    if (!Array.isArray(shape) || shape.length !== layer.nd + 2 || !shape.every((v) => Number.isInteger(v) && v >= 1))
      throw new Error(
        `SpectralNorm: inputShape=${showValue(shape)} must be the ${layer.className}'s input shape, ${layer.nd + 2} positive integers (${layer.layout})`,
      );
    this.inputShape = [...(shape as number[])];
    this.iterations = readInt("SpectralNorm", "iterations", o.iterations, 1, 1);
    this.layer = this.registerChild(layer, "layer");
  }

  /** The running estimate of σ(W) (0 before the first forward). */
  get sigma(): number {
    return this.estimate;
  }

  forward(x: NDArray, ...rest: unknown[]): NDArray {
    const layer = this.layer;
    // the first forward infers deferred shapes (inChannels) and checks x; its output is discarded
    if (!layer.weight.isInitialized) pause(() => (layer.forward as (x: NDArray, ...r: unknown[]) => NDArray)(x, ...rest));
    const w = layer.weight.data();
    if (!this.operator) {
      this.operator = convOperator("SpectralNorm", w, layer.convParams(), this.inputShape, layer.transposed ? "deconvolution" : "convolution");
      this.v = startVector(this.operator.inputShape, w.dtype);
    }
    const A = this.operator;
    const wFixed = pause(() => astype(w, w.dtype));
    if (isTraining() || this.estimate === 0) {
      const r = powerIteration(A, wFixed, this.v!, this.estimate === 0 ? Math.max(WARM_UP, this.iterations) : this.iterations, 0);
      this.v = r.v;
      this.estimate = r.sigma;
    }
    if (this.estimate === 0) throw new Error(`SpectralNorm: the ${layer.className}'s weight is the zero operator (σ = 0); it cannot be normalized`);
    let sigmaArr: NDArray | number = this.estimate;
    if (isRecording()) {
      // σ(W) = ⟨u, A_W v⟩ with u = A·v/‖A·v‖ and v fixed: recorded, so that the gradient reaches W through σ as well
      const v = this.v!;
      const u = pause(() => {
        const y = A.apply(v, wFixed);
        return binary("div", y, Math.sqrt(reduce("sum", binary("mul", y, y)).item()));
      });
      sigmaArr = reduce("sum", binary("mul", A.apply(v, w), u));
      if (isTraining()) this.estimate = sigmaArr.item();
    }
    layer.weightOverride = binary("div", w, sigmaArr);
    try {
      return (layer.forward as (x: NDArray, ...r: unknown[]) => NDArray)(x, ...rest);
    } finally {
      layer.weightOverride = null;
    }
  }

  protected override describe(): string {
    return `inputShape=[${this.inputShape.join(", ")}], iterations=${this.iterations}`;
  }
}

// its forward keeps the power iteration's vector and estimate for the next call
markKeepsState(SpectralNorm);
