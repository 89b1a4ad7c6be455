// D2L §20.2's DCGAN generator and discriminator, scaled to 16×16 or 32×32 images.
import { nn, type NDArray } from "tconv";

export interface DCGANShape {
  /** 16 or 32 */
  imageSize: number;
  /** channels of the widest generator block's output at the smallest size ÷ 2^(levels−1): n_G = n_D of the book */
  width: number;
  /** noise channels (the book's latent_dim) */
  latentDim: number;
}

/** Number of stride-2 blocks between 4×4 and the image: 32 → 3, 16 → 2. */
export function levels(imageSize: number): number {
  if (imageSize !== 16 && imageSize !== 32) throw new Error(`DCGAN: imageSize=${imageSize} must be 16 or 32`);
  return Math.log2(imageSize) - 2;
}

/** The book's G_block: Conv2DTranspose(k4, s2, p1 by default, no bias) → BatchNorm → ReLU. */
function gBlock(outChannels: number, inChannels: number, strides = 2, padding = 1): nn.Sequential {
  return new nn.Sequential().add(
    new nn.Conv2DTranspose(outChannels, { kernelSize: 4, strides, padding, useBias: false, inChannels }),
    new nn.BatchNorm({ inChannels: outChannels }),
    new nn.Activation("relu"),
  );
}

/**
 * The book's D_block: Conv2D(k4, s2, p1, no bias) → BatchNorm → LeakyReLU(0.2); without BatchNorm (WGAN-GP's critic:
 * the gradient penalty is per sample, which batch statistics would couple) the convolution has a bias instead.
 */
function dBlock(outChannels: number, inChannels: number, batchNorm = true): nn.Sequential {
  const conv = new nn.Conv2D(outChannels, { kernelSize: 4, strides: 2, padding: 1, useBias: !batchNorm, inChannels });
  return batchNorm
    ? new nn.Sequential().add(conv, new nn.BatchNorm({ inChannels: outChannels }), new nn.LeakyReLU(0.2))
    : new nn.Sequential().add(conv, new nn.LeakyReLU(0.2));
}

/**
 * Noise [N, latentDim, 1, 1] → 4×4 (k4 s1 p0) → … → image [N, 3, S, S] in (−1, 1). For S = 32 and width w the
 * channels are latentDim → 4w → 2w → w → 3, the book's 64×64 net with its first block removed.
 */
export function generator({ imageSize, width, latentDim }: DCGANShape): nn.Sequential {
  const n = levels(imageSize);
  const net = new nn.Sequential();
  let c = width * 2 ** (n - 1);
  net.add(gBlock(c, latentDim, 1, 0));
  for (let i = 1; i < n; i++) {
    net.add(gBlock(c / 2, c));
    c /= 2;
  }
  net.add(new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, useBias: false, inChannels: c }), new nn.Activation("tanh"));
  return net;
}

/**
 * Image [N, 3, S, S] → … → 4×4 → one logit [N, 1, 1, 1] (Conv2D k4, no bias), channels 3 → w → 2w → 4w → 1 for S = 32.
 * `batchNorm: false` gives WGAN-GP's critic (Gulrajani et al. 2017 drop BatchNorm from it).
 */
export function discriminator({ imageSize, width }: DCGANShape, batchNorm = true): nn.Sequential {
  const n = levels(imageSize);
  const net = new nn.Sequential();
  let c = 3;
  for (let i = 0; i < n; i++) {
    net.add(dBlock(width * 2 ** i, c, batchNorm));
    c = width * 2 ** i;
  }
  net.add(new nn.Conv2D(1, { kernelSize: 4, useBias: false, inChannels: c }));
  return net;
}

/** A stride-2 block without a transposed convolution: nearest ×2 (nn.Upsample) → Conv2D(k3, p1, no bias) → BatchNorm → ReLU. */
function resizeBlock(outChannels: number, inChannels: number): nn.Sequential {
  return new nn.Sequential().add(
    new nn.Upsample({ scale: 2, sampleType: "nearest" }),
    new nn.Conv2D(outChannels, { kernelSize: 3, padding: 1, useBias: false, inChannels }),
    new nn.BatchNorm({ inChannels: outChannels }),
    new nn.Activation("relu"),
  );
}

/**
 * The generator with every stride-2 Conv2DTranspose replaced by resize-convolution (Odena et al., "Deconvolution and
 * Checkerboard Artifacts", 2016): the same channels and first block (k4 s1 p0 from 1×1 to 4×4, which has no uneven
 * overlap), then nearest ×2 + Conv2D(k3, p1) per level and a final Upsample + Conv2D to 3 channels → tanh.
 */
export function resizeGenerator({ imageSize, width, latentDim }: DCGANShape): nn.Sequential {
  const n = levels(imageSize);
  const net = new nn.Sequential();
  let c = width * 2 ** (n - 1);
  net.add(gBlock(c, latentDim, 1, 0));
  for (let i = 1; i < n; i++) {
    net.add(resizeBlock(c / 2, c));
    c /= 2;
  }
  net.add(
    new nn.Sequential().add(
      new nn.Upsample({ scale: 2, sampleType: "nearest" }),
      new nn.Conv2D(3, { kernelSize: 3, padding: 1, useBias: false, inChannels: c }),
    ),
    new nn.Activation("tanh"),
  );
  return net;
}

/** Holds both nets as children `generator` and `discriminator`: one checkpoint file names them `generator.0.0.weight`, … */
export class DCGANPair extends nn.Block {
  constructor(
    readonly generator: nn.Sequential,
    readonly discriminator: nn.Sequential,
  ) {
    super("dcganpair");
    this.registerChild(generator, "generator");
    this.registerChild(discriminator, "discriminator");
  }
  forward(z: NDArray): NDArray {
    return this.generator.forward(z);
  }
}
