// The reference backend: plain loops in float64 or float32, the source of truth the faster backends are tested against.
import { loopBackend } from "../loop-backend.js";
import { imageToGrid } from "./image-to-grid.js";
import { gridToImage } from "./grid-to-image.js";
import { weightGrad } from "./weight-grad.js";
import { matmul } from "./matmul.js";

export const referenceBackend = loopBackend("reference", { imageToGrid, gridToImage, weightGrad, matmul });
