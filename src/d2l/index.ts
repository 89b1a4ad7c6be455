// The `d2l` namespace: the book's helpers plus the matrix view, overlap map and exact spectral norm for any parameters.
import "../methods.js";
import { corr2d, kernel2matrix, transConv } from "./book.js";
import { convMatrix, overlapCount } from "./matrix-view.js";
import { tryGpu } from "../context.js";
import { spectralNorm, spectralNormBounds, spectralNormUpperBound } from "./spectral-norm.js";

/** The book's helpers (D2L §6.2 and §12.10) and tools built on them: the matrix view, overlap counts, the exact spectral norm. */
export const d2l = {
  /** The book's 2-D cross-correlation: Y[i, j] = (X[i:i+h, j:j+w] * K).sum(). */
  corr2d,
  /** The book's basic 2-D transposed convolution: Y[i:i+h, j:j+w] += X[i, j] * K. */
  transConv,
  /** The book's W (4×9) for a 2×2 kernel over a 3×3 input: row i applies K to produce output element i. */
  kernel2matrix,
  /** The convolution as a matrix W (output size × input size) for any kernel and options; Wᵀ is the transposed convolution. */
  convMatrix,
  /** How many input elements write each output position of a transposed convolution (checkerboard map). */
  overlapCount,
  /** The exact largest singular value of a convolution's or transposed convolution's operator (power iteration on W). */
  spectralNorm,
  /** spectralNorm's estimate with a certified upper bound (circulant embedding × Gram iteration, Delattre et al. 2023). */
  spectralNormBounds,
  /** The certified upper bound alone: ≥ the true largest singular value, for a Lipschitz guarantee. */
  spectralNormUpperBound,
  /** D2L's try_gpu(): gpu(0) when npx.initGpu found one, else cpu(0). */
  tryGpu,
};
