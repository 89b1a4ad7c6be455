// The direct-JS backend: allocation-free JS loops for calls too small to pay the wasm hand-off (copies, packing).
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { allocate, type Backend } from "../kernel.js";
import { gridToImage, imageToGrid, matmul, weightGrad } from "./kernels.js";

const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);

export const directJsBackend: Backend = {
  name: "direct-js",
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
