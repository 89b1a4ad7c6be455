#!/usr/bin/env node
// Exact spectral norm (d2l.spectralNorm: power iteration with conv/deconvolution) vs the reshaped-matrix estimate that
// PyTorch's spectral_norm uses (σ of W.reshape(Cout, −1); dim 1 first for transposed convolutions), on D2L's DCGAN
// layers with DCGAN's N(0, 0.02) weights. Not a speed claim: prints the two norms and their ratio per layer.
//   npm run build && node bench/spectral-norm-dcgan.mjs
import { d2l, np } from "../dist/index.js";

const G = [
  // [name, Cin, Cout, input size, stride, padding]: Conv2DTranspose k4
  ["G1 tconv 100→512 k4 s1 p0 @1²", 100, 512, 1, 1, 0],
  ["G2 tconv 512→256 k4 s2 p1 @4²", 512, 256, 4, 2, 1],
  ["G3 tconv 256→128 k4 s2 p1 @8²", 256, 128, 8, 2, 1],
  ["G4 tconv 128→64 k4 s2 p1 @16²", 128, 64, 16, 2, 1],
  ["G5 tconv 64→3 k4 s2 p1 @32²", 64, 3, 32, 2, 1],
];
const D = [
  ["D1 conv 3→64 k4 s2 p1 @64²", 3, 64, 64, 2, 1],
  ["D2 conv 64→128 k4 s2 p1 @32²", 64, 128, 32, 2, 1],
  ["D3 conv 128→256 k4 s2 p1 @16²", 128, 256, 16, 2, 1],
  ["D4 conv 256→512 k4 s2 p1 @8²", 256, 512, 8, 2, 1],
  ["D5 conv 512→1 k4 s1 p0 @4²", 512, 1, 4, 1, 0],
];

/** σ_max of a rows×cols row-major matrix by power iteration on MᵀM in float64 plain loops. */
function matrixSigma(m, rows, cols) {
  let v = new Float64Array(cols).map((_, i) => Math.sin(i + 1));
  let sigma = 0;
  const u = new Float64Array(rows);
  for (let it = 0; it < 2000; it++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += m[r * cols + c] * v[c];
      u[r] = s;
    }
    const z = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) z[c] += m[r * cols + c] * u[r];
    let nz = 0,
      nu = 0;
    for (let c = 0; c < cols; c++) nz += z[c] * z[c];
    for (let r = 0; r < rows; r++) nu += u[r] * u[r];
    const next = Math.sqrt(nz) / Math.sqrt(nu);
    v = z.map((x) => x / Math.sqrt(nz));
    if (Math.abs(next - sigma) <= 1e-10 * next) return next;
    sigma = next;
  }
  return sigma;
}

/** PyTorch 1.13 spectral_norm's matrix: conv W [Cout, Cin, k, k] → [Cout, Cin·k²]; transposed W [Cin, Cout, k, k] → [Cout, Cin·k²]. */
function reshaped(w, transposed) {
  const [a, b, kh, kw] = w.shape,
    k = kh * kw,
    d = w.asTypedArray();
  if (!transposed) return [Float64Array.from(d), a, b * k];
  const m = new Float64Array(b * a * k);
  for (let i = 0; i < a; i++) for (let o = 0; o < b; o++) for (let t = 0; t < k; t++) m[o * a * k + i * k + t] = d[(i * b + o) * k + t];
  return [m, b, a * k];
}

np.random.seed(2016);
console.log(`${"layer".padEnd(34)} ${"exact σ".padStart(9)} ${"reshaped σ".padStart(11)} ${"ratio".padStart(6)}`);
for (const [list, transposed] of [
  [G, true],
  [D, false],
])
  for (const [name, cin, cout, size, s, p] of list) {
    const w = np.random.normal({ loc: 0, scale: 0.02, size: transposed ? [cin, cout, 4, 4] : [cout, cin, 4, 4] });
    const params = { strides: s, padding: p };
    const exact = d2l.spectralNorm(w, params, [1, cin, size, size], { op: transposed ? "deconvolution" : "convolution", iterations: 3000, tol: 1e-6 });
    const [m, rows, cols] = reshaped(w, transposed);
    const est = matrixSigma(m, rows, cols);
    console.log(`${name.padEnd(34)} ${exact.toFixed(4).padStart(9)} ${est.toFixed(4).padStart(11)} ${(exact / est).toFixed(2).padStart(6)}`);
  }
