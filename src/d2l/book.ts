// The book's helpers from D2L §6.2 and §12.10 (corr2d, trans_conv, kernel2matrix), written with tconv's indexing.
import "../methods.js"; // the book's code uses array methods (X.at(…).mul(K).sum())
import type { NDArray } from "../ndarray/ndarray.js";
import { zeros } from "../ndarray/create.js";
import { formatShape } from "../ndarray/strided.js";

function check2d(name: string, ...arrays: NDArray[]): void {
  for (const a of arrays) if (a.ndim !== 2) throw new Error(`d2l.${name}: expects 2-D arrays, got shape ${formatShape(a.shape)}`);
}

/** 2-D cross-correlation: Y[i, j] = (X[i:i+h, j:j+w] * K).sum(). */
export function corr2d(X: NDArray, K: NDArray): NDArray {
  check2d("corr2d", X, K);
  const [h, w] = K.shape as [number, number];
  if (X.shape[0]! < h || X.shape[1]! < w) throw new Error(`d2l.corr2d: kernel ${formatShape(K.shape)} is larger than input ${formatShape(X.shape)}`);
  const Y = zeros([X.shape[0]! - h + 1, X.shape[1]! - w + 1], { dtype: X.dtype });
  for (let i = 0; i < Y.shape[0]!; i++)
    for (let j = 0; j < Y.shape[1]!; j++)
      Y.at(i, j).set(
        X.at(`${i}:${i + h}`, `${j}:${j + w}`)
          .mul(K)
          .sum(),
      );
  return Y;
}

/** Basic 2-D transposed convolution: Y[i:i+h, j:j+w] += X[i, j] * K. */
export function transConv(X: NDArray, K: NDArray): NDArray {
  check2d("transConv", X, K);
  const [h, w] = K.shape as [number, number];
  const Y = zeros([X.shape[0]! + h - 1, X.shape[1]! + w - 1], { dtype: X.dtype });
  for (let i = 0; i < X.shape[0]!; i++) for (let j = 0; j < X.shape[1]!; j++) Y.at(`${i}:${i + h}`, `${j}:${j + w}`).iadd(X.at(i, j).mul(K));
  return Y;
}

/** The book's W (4×9) for a 2×2 kernel over a 3×3 input: row i applies K to produce output element i. */
export function kernel2matrix(K: NDArray): NDArray {
  check2d("kernel2matrix", K);
  if (K.shape[0] !== 2 || K.shape[1] !== 2)
    throw new Error(`d2l.kernel2matrix: the book's version is for a 2×2 kernel, got ${formatShape(K.shape)}; use d2l.convMatrix for any shape`);
  const k = zeros(5, { dtype: K.dtype });
  const W = zeros([4, 9], { dtype: K.dtype });
  k.at(":2").set(K.at(0, ":"));
  k.at("3:5").set(K.at(1, ":"));
  W.at(0, ":5").set(k);
  W.at(1, "1:6").set(k);
  W.at(2, "3:8").set(k);
  W.at(3, "4:").set(k);
  return W;
}
