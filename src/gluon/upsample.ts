// nn.Upsample: a parameter-free layer around npx.upsampling (PyTorch's nn.Upsample, MXNet's UpSampling).
import type { NDArray } from "../ndarray/ndarray.js";
import { upsampling, type UpsamplingOptions } from "../ops/upsampling.js";
import { snapshotOptions } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";

/** Resizes its input by `scale` with sampleType "nearest" (default) or "bilinear"; see npx.upsampling. */
export class Upsample extends Block {
  readonly options: UpsamplingOptions;

  constructor(options: UpsamplingOptions) {
    super("upsample");
    const o = snapshotOptions("Upsample", options, ["scale", "sampleType", "layout", "alignCorners"]);
    if (o.scale === undefined) throw new Error('Upsample: scale is required, e.g. new nn.Upsample({ scale: 2, sampleType: "bilinear" })');
    this.options = o as unknown as UpsamplingOptions;
  }

  forward(x: NDArray): NDArray {
    try {
      return upsampling(x, this.options);
    } catch (e) {
      throw new Error((e as Error).message.replace(/^upsampling:/, "Upsample:"));
    }
  }

  protected override describe(): string {
    const o = this.options;
    return `scale=${JSON.stringify(o.scale)}, sampleType=${o.sampleType ?? "nearest"}${o.alignCorners ? ", alignCorners=true" : ""}`;
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(Upsample);
