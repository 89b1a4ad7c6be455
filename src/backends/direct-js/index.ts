// The direct-JS backend: allocation-free JS loops for calls too small to pay the wasm hand-off (copies, packing).
import { loopBackend } from "../loop-backend.js";
import { gridToImage, imageToGrid, matmul, weightGrad } from "./kernels.js";

export const directJsBackend = loopBackend("direct-js", { imageToGrid, gridToImage, weightGrad, matmul });
