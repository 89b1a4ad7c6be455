// Gluon's contrib PixelShuffle1D/2D/3D (PyTorch's PixelShuffle channel order, ONNX DepthToSpace CRD).
import type { NDArray } from "../ndarray/ndarray.js";
import { depthToSpaceND } from "../ops/depth-to-space.js";
import { readIntList, showValue } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";

abstract class PixelShuffleND extends Block {
  readonly factors: readonly number[];
  constructor(
    readonly className: string,
    nd: number,
    factor: number | readonly number[],
  ) {
    super(className.toLowerCase());
    if (factor === undefined || factor === null) throw new Error(`${className}: factor is required, e.g. new nn.${className}(2)`);
    this.factors = readIntList(className, "factor", factor, nd, 1, 1);
  }
  protected override describe(): string {
    return showValue(this.factors);
  }
  /** [N, C·∏r, *S] → [N, C, *(S·r)]: output channel c, offset (i, j) inside a block reads input channel c·∏r + i·r₂ + j. */
  forward(x: NDArray): NDArray {
    return depthToSpaceND(this.className, x, this.factors, "CRD");
  }
}

/** Gluon's PixelShuffle1D(factor): [N, C·r, W] → [N, C, W·r], sub-pixel upsampling (channel blocks move into space). */
export class PixelShuffle1D extends PixelShuffleND {
  constructor(factor: number) {
    super("PixelShuffle1D", 1, factor);
  }
}
/** Gluon's PixelShuffle2D(factor): [N, C·r₁·r₂, H, W] → [N, C, H·r₁, W·r₂], sub-pixel upsampling (channel blocks move into space). */
export class PixelShuffle2D extends PixelShuffleND {
  constructor(factor: number | readonly [number, number]) {
    super("PixelShuffle2D", 2, factor);
  }
}
/** Gluon's PixelShuffle3D(factor): [N, C·r₁·r₂·r₃, D, H, W] → [N, C, D·r₁, H·r₂, W·r₃], sub-pixel upsampling (channel blocks move into space). */
export class PixelShuffle3D extends PixelShuffleND {
  constructor(factor: number | readonly [number, number, number]) {
    super("PixelShuffle3D", 3, factor);
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(PixelShuffleND);
