// LSTM and GRU over a sequence, one direction of one layer at a time, composed of recorded ops (so gradients and second order follow).
import type { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { binary, unary } from "./elementwise.js";
import { dot } from "./linalg.js";
import { at, copy, transpose } from "./shape.js";

export type RnnMode = "lstm" | "gru";

/** Gates per mode: LSTM 4 (input, forget, cell candidate, output), GRU 3 (reset, update, new). */
export const RNN_GATES: Readonly<Record<RnnMode, number>> = { lstm: 4, gru: 3 };

/**
 * Where each gate's block of H rows sits in the stacked weights, as block indices in the order
 * LSTM [i, f, g, o] and GRU [r, z, n]. Gluon, PyTorch and cuDNN stack them in exactly that order (identity); ONNX
 * stacks LSTM as i, o, f, c and GRU as z, r, h.
 */
export const GLUON_GATE_BLOCKS: Readonly<Record<RnnMode, readonly number[]>> = { lstm: [0, 1, 2, 3], gru: [0, 1, 2] };
export const ONNX_GATE_BLOCKS: Readonly<Record<RnnMode, readonly number[]>> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2] };

/** One direction of one layer: G·H rows of stacked gate weights (G = RNN_GATES[mode]). */
export interface RnnDirectionWeights {
  /** [G·H, I] */
  readonly i2hWeight: NDArray;
  /** [G·H, H] */
  readonly h2hWeight: NDArray;
  /** [G·H] or null (no bias) */
  readonly i2hBias: NDArray | null;
  readonly h2hBias: NDArray | null;
}

export interface RnnDirectionResult {
  /** the hidden state after each time step, in time order: T arrays [N, H] */
  readonly outputs: NDArray[];
  /** the last hidden state (after t = T−1 forward, after t = 0 in reverse): [N, H] */
  readonly h: NDArray;
  /** LSTM: the last cell state [N, H]; GRU: null */
  readonly c: NDArray | null;
}

/** Columns [k·H, (k+1)·H) of the last axis (a recorded view). */
function block(a: NDArray, k: number, hidden: number): NDArray {
  const cols = [k * hidden, (k + 1) * hidden] as const;
  return at(a, a.ndim === 1 ? [cols] : [null, cols]);
}

/**
 * Runs one direction of one recurrent layer over x ([T, N, I] when timeAxis is 0, [N, T, I] when 1). Each step, with
 * gates a = x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh split into blocks by `gateBlocks`:
 *
 * - LSTM: i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o); c′ = f·c + i·g; h′ = o·tanh(c′).
 * - GRU (cuDNN's, PyTorch's and Gluon's form, ONNX linear_before_reset=1): r = σ(x_r + h_r), z = σ(x_z + h_z),
 *   n = tanh(x_n + r·h_n) where x_k and h_k are the i2h and h2h blocks with their biases; h′ = (1 − z)·n + z·h.
 *   With `resetBeforeLinear` (ONNX's default linear_before_reset=0): n = tanh(x_n + (r·h)·W_hnᵀ + b_hn).
 *
 * A null h0 / c0 is a zero state: the first step then skips the h2h product (exactly the same values, and no array
 * sized by the batch is made). `reverse` runs t = T−1 … 0. Shapes are the caller's to check.
 */
export function rnnDirection(
  mode: RnnMode,
  x: NDArray,
  timeAxis: 0 | 1,
  w: RnnDirectionWeights,
  hidden: number,
  gateBlocks: readonly number[],
  reverse: boolean,
  h0: NDArray | null,
  c0: NDArray | null,
  resetBeforeLinear = false,
): RnnDirectionResult {
  const steps = x.shape[timeAxis]!;
  if (steps < 1) throw new Error(`rnn: the sequence (axis ${timeAxis} of shape ${formatShape(x.shape)}) must have at least one step`);
  // dense transposed weights once per call (dot would copy a transposed view at every step)
  const wiT = copy(transpose(w.i2hWeight));
  const whT = copy(transpose(w.h2hWeight));
  const [b0, b1, b2, b3] = gateBlocks as [number, number, number, number?];
  const outputs = new Array<NDArray>(steps);
  let h = h0;
  let c = c0;
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    let xp = dot(at(x, timeAxis === 0 ? [t] : [null, t]), wiT);
    if (w.i2hBias) xp = binary("add", xp, w.i2hBias);
    // h·W_hhᵀ + b_hh; with a zero state only the bias (or nothing) is left
    let hp: NDArray | null = h === null ? null : dot(h, whT);
    if (w.h2hBias) hp = hp === null ? w.h2hBias : binary("add", hp, w.h2hBias);
    if (mode === "lstm") {
      const a = hp === null ? xp : binary("add", xp, hp);
      const i = unary("sigmoid", block(a, b0, hidden));
      const f = unary("sigmoid", block(a, b1, hidden));
      const g = unary("tanh", block(a, b2, hidden));
      const o = unary("sigmoid", block(a, b3!, hidden));
      c = c === null ? binary("mul", i, g) : binary("add", binary("mul", f, c), binary("mul", i, g));
      h = binary("mul", o, unary("tanh", c));
    } else {
      const gate = (k: number) => (hp === null ? block(xp, k, hidden) : binary("add", block(xp, k, hidden), block(hp, k, hidden)));
      const r = unary("sigmoid", gate(b0));
      const z = unary("sigmoid", gate(b1));
      const xn = block(xp, b2, hidden);
      let hn: NDArray | null;
      if (!resetBeforeLinear) hn = hp === null ? null : binary("mul", r, block(hp, b2, hidden));
      else {
        // (r·h)·W_hnᵀ + b_hn: the n rows of W_hh (columns of its transpose) applied after the reset
        hn = h === null ? null : dot(binary("mul", r, h), block(whT, b2, hidden));
        if (w.h2hBias) hn = hn === null ? block(w.h2hBias, b2, hidden) : binary("add", hn, block(w.h2hBias, b2, hidden));
      }
      const n = unary("tanh", hn === null ? xn : binary("add", xn, hn));
      // (1 − z)·n + z·h = n + z·(h − n); with h = 0: n − z·n
      h = h === null ? binary("sub", n, binary("mul", z, n)) : binary("add", n, binary("mul", z, binary("sub", h, n)));
    }
    outputs[t] = h;
  }
  return { outputs, h: h!, c };
}
