// The reference backend: plain loops in float64 or float32, the source of truth the faster backends are tested against.
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { allocate, type Backend } from "../kernel.js";
import { imageToGrid } from "./image-to-grid.js";
import { gridToImage } from "./grid-to-image.js";
import { weightGrad } from "./weight-grad.js";
import { matmul } from "./matmul.js";

const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);

export const referenceBackend: Backend = {
  name: "reference",
  dtypes: ["float32", "float64"],
  imageToGrid(g, image, w, bias, ctx) {
    const out = allocate(ctx.dtype, size(gridShape(g)));
    imageToGrid(g, image, w, bias, out);
    return out;
  },
  gridToImage(g, grid, w, bias, ctx) {
    const out = allocate(ctx.dtype, size(imageShape(g)));
    gridToImage(g, grid, w, bias, out);
    return out;
  },
  weightGrad(g, image, grid, ctx) {
    const out = allocate(ctx.dtype, size(weightShape(g)));
    weightGrad(g, image, grid, out);
    return out;
  },
  matmul(M, N, K, a, b, ctx) {
    const out = allocate(ctx.dtype, M * N);
    matmul(M, N, K, a, b, out);
    return out;
  },
};
