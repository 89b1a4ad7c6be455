// ONNX LSTM and GRU for the importer, in the form torch.onnx.export writes them (layout 0, default activations).
import type { NDArray } from "../ndarray/ndarray.js";
import { stack } from "../ops/join.js";
import { at } from "../ops/shape.js";
import { ONNX_GATE_BLOCKS, RNN_GATES, type RnnMode, rnnDirection } from "../ops/rnn.js";
import type { Attributes } from "./attributes.js";
import { type CompileContext, type OpDef, float, need } from "./import-ops-common.js";

/** The activations ONNX uses when the attribute is absent, per direction: LSTM f, g, h; GRU f, g. */
const DEFAULT_ACTIVATIONS: Readonly<Record<RnnMode, readonly string[]>> = { lstm: ["sigmoid", "tanh", "tanh"], gru: ["sigmoid", "tanh"] };

const shapeText = (a: NDArray) => `[${a.shape.join(", ")}]`;

/** Refuses what tconv does not compute, each with its reason, when the model is imported. */
function checkAttributes(mode: RnnMode, a: Attributes, ctx: CompileContext, directions: number): void {
  const refuse = (why: string) => {
    throw new Error(`${ctx.where}: ${why}`);
  };
  if (a.has("clip")) refuse(`attribute clip=${a.float("clip", 0)} is not supported (tconv does not clip the gate pre-activations)`);
  const acts = a.strings("activations");
  if (acts !== undefined) {
    const want = Array.from({ length: directions }, () => DEFAULT_ACTIVATIONS[mode]).flat();
    if (acts.length !== want.length || acts.some((s, i) => s.toLowerCase() !== want[i]))
      refuse(`activations=[${acts.join(", ")}] is not supported; tconv computes the default ${want.map((s) => s[0]!.toUpperCase() + s.slice(1)).join(", ")}`);
  }
  for (const name of ["activation_alpha", "activation_beta"])
    if ((a.floats(name) ?? []).length > 0) refuse(`attribute ${name} is not supported (it parameterises activations other than the defaults)`);
  const layout = a.int("layout", 0);
  if (layout !== 0) refuse(`layout=${layout} is not supported (tconv reads layout 0: X [seq, batch, input], as torch.onnx.export writes)`);
  if (mode === "lstm") {
    const coupled = a.int("input_forget", 0);
    if (coupled !== 0) refuse(`input_forget=${coupled} is not supported (coupled input and forget gates)`);
  } else {
    const lbr = a.int("linear_before_reset", 0);
    if (lbr !== 0 && lbr !== 1) refuse(`linear_before_reset=${lbr} must be 0 or 1`);
  }
  const given = ctx.inputsGiven ?? [];
  if (given[4]) refuse("input 4 (sequence_lens) is not supported (every sequence runs the full length of X)");
  if (mode === "lstm" && given[7]) refuse("input 7 (P, peephole weights) is not supported");
}

/**
 * LSTM (inputs X, W, R, B?, sequence_lens?, initial_h?, initial_c?, P?; outputs Y, Y_h?, Y_c?) and GRU (X, W, R, B?,
 * sequence_lens?, initial_h?; Y, Y_h?). W [D, G·H, I], R [D, G·H, H] and B [D, 2·G·H] (the W biases, then the R
 * biases) stack the gates in ONNX's order, LSTM i, o, f, c and GRU z, r, h; the cells read them in place (no copy, so
 * gradients reach the initializers). Y is [seq, D, batch, H]; Y_h and Y_c are [D, batch, H].
 */
function rnnOp(mode: RnnMode): OpDef {
  const attrs = ["activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout"];
  return {
    attrs: mode === "lstm" ? [...attrs, "input_forget"] : [...attrs, "linear_before_reset"],
    compile(a, ctx) {
      const direction = a.choice("direction", "forward", ["forward", "reverse", "bidirectional"]);
      const directions = direction === "bidirectional" ? 2 : 1;
      checkAttributes(mode, a, ctx, directions);
      const hiddenAttr = a.int("hidden_size", 0);
      if (a.has("hidden_size") && !(hiddenAttr >= 1)) throw new Error(`${ctx.where}: hidden_size=${hiddenAttr} must be a positive integer`);
      const gates = RNN_GATES[mode];
      // GRU: linear_before_reset=1 is PyTorch's and cuDNN's n = tanh(W_n·x + b_Wn + r·(R_n·h + b_Rn)); 0 (ONNX's
      // default) resets first, n = tanh(W_n·x + b_Wn + R_n·(r·h) + b_Rn)
      const resetBeforeLinear = mode === "gru" && a.int("linear_before_reset", 0) === 0;
      return (ins) => {
        const x = float(need(ins, 0, ctx, "X"), ctx);
        const w = float(need(ins, 1, ctx, "W"), ctx);
        const r = float(need(ins, 2, ctx, "R"), ctx);
        const hidden = hiddenAttr || (r.ndim === 3 ? r.shape[2]! : 0);
        const rows = gates * hidden;
        const bad = (what: string, arr: NDArray, want: string) => {
          throw new Error(`${ctx.where}: ${what} must have shape ${want}, got ${shapeText(arr)}`);
        };
        if (x.ndim !== 3 || x.shape[0] === 0) bad("X", x, "[seq ≥ 1, batch, input_size]");
        const [, batch, inputSize] = x.shape as [number, number, number];
        const fits = (arr: NDArray, want: readonly number[]) => arr.ndim === want.length && arr.shape.every((d, i) => d === want[i]);
        if (!fits(w, [directions, rows, inputSize])) bad("W", w, `[${directions}, ${rows}, ${inputSize}] (num_directions, ${gates}·hidden_size, input_size)`);
        if (!fits(r, [directions, rows, hidden])) bad("R", r, `[${directions}, ${rows}, ${hidden}] (num_directions, ${gates}·hidden_size, hidden_size)`);
        const b = ins[3] === undefined ? null : float(ins[3], ctx);
        if (b && !fits(b, [directions, 2 * rows])) bad("B", b, `[${directions}, ${2 * rows}]`);
        const stateAt = (k: number, what: string) => {
          if (ins[k] === undefined) return null;
          const s = float(ins[k], ctx);
          if (!fits(s, [directions, batch, hidden])) bad(what, s, `[${directions}, ${batch}, ${hidden}] (num_directions, batch, hidden_size)`);
          return s;
        };
        const h0 = stateAt(5, "initial_h");
        const c0 = mode === "lstm" ? stateAt(6, "initial_c") : null;
        for (const [name, arr] of [
          ["W", w],
          ["R", r],
          ["B", b],
          ["initial_h", h0],
          ["initial_c", c0],
        ] as const)
          if (arr && arr.dtype !== x.dtype) throw new Error(`${ctx.where}: ${name} is ${arr.dtype} but X is ${x.dtype}`);
        const ys: NDArray[] = [];
        const hs: NDArray[] = [];
        const cs: NDArray[] = [];
        for (let d = 0; d < directions; d++) {
          const out = rnnDirection(
            mode,
            x,
            0,
            {
              i2hWeight: at(w, [d]),
              h2hWeight: at(r, [d]),
              i2hBias: b ? at(b, [d, [0, rows]]) : null,
              h2hBias: b ? at(b, [d, [rows, 2 * rows]]) : null,
            },
            hidden,
            ONNX_GATE_BLOCKS[mode],
            direction === "reverse" || d === 1,
            h0 ? at(h0, [d]) : null,
            c0 ? at(c0, [d]) : null,
            resetBeforeLinear,
          );
          ys.push(stack(out.outputs, { axis: 0 }));
          hs.push(out.h);
          if (out.c) cs.push(out.c);
        }
        const y = stack(ys, { axis: 1 });
        const yh = stack(hs, { axis: 0 });
        return mode === "lstm" ? [y, yh, stack(cs, { axis: 0 })] : [y, yh];
      };
    },
  };
}

export const lstmOp = rnnOp("lstm");
export const gruOp = rnnOp("gru");
