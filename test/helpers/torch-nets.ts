// The tconv twins of the PyTorch models in scripts/fixtures/make-safetensors.py (same structure, same state-dict names).
import { nn } from "../../src/index.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";

/** PyTorch's `nn.Sequential(ConvTranspose2d(16, 32, 4, 1, 0), BatchNorm2d, ReLU, …, Tanh)`: noise 16×1×1 → 3×16×16. */
export function dcganGenerator(): nn.Sequential {
  const up = (channels: number, strides: number, padding: number) => new nn.Conv2DTranspose(channels, { kernelSize: 4, strides, padding, useBias: false });
  return new nn.Sequential().add(
    up(32, 1, 0),
    new nn.BatchNorm(),
    new nn.Activation("relu"),
    up(16, 2, 1),
    new nn.BatchNorm(),
    new nn.Activation("relu"),
    up(3, 2, 1),
    new nn.Activation("tanh"),
  );
}

/** PyTorch's Decoder1d: Linear(6, 40) → reshape [N, 8, 5] → up1 (ConvTranspose1d, BatchNorm1d, ReLU) → up2 → ReLU → out. */
export class Decoder1d extends nn.Block {
  fc = new nn.Dense(40);
  up1 = new nn.Sequential().add(new nn.Conv1DTranspose(16, { kernelSize: 4, strides: 2, padding: 1 }), new nn.BatchNorm(), new nn.Activation("relu"));
  up2 = new nn.Conv1DTranspose(4, { kernelSize: 4, strides: 2, padding: 1 });
  out = new nn.Conv1D(2, { kernelSize: 3, padding: 1 });
  forward(z: NDArray): NDArray {
    const h = this.fc.forward(z).reshape(z.shape[0]!, 8, 5);
    return this.out.forward(this.up2.forward(this.up1.forward(h)).maximum(0));
  }
}
