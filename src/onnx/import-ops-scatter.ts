// ONNX ScatterND for the importer: slices of data at index tuples replaced by, added to or multiplied by updates.
import { NDArray } from "../ndarray/ndarray.js";
import { binary } from "../ops/elementwise.js";
import { scatterAxis } from "../ops/gather.js";
import { reshape } from "../ops/shape.js";
import { dataTypeName } from "./proto.js";
import { type IntTensor, intTensor } from "./int-tensor.js";
import { type OpDef, type CompileContext, isInt, need, float, ints, shapeOf } from "./import-ops-common.js";

type Reduction = "none" | "add" | "mul";

/**
 * The row of data.reshape(M, S) each update u writes (M = the product of data's first k axes, S = the rest; k is the
 * last axis of indices), and u's occurrence number among the updates of that row (0 for the first).
 */
function targetRows(dataShape: readonly number[], idx: IntTensor, updShape: readonly number[], ctx: CompileContext) {
  const q = idx.dims.length;
  const r = dataShape.length;
  const k = idx.dims[q - 1];
  if (q < 1 || k === undefined || k < 1 || k > r)
    throw new Error(`${ctx.where}: indices of shape [${idx.dims.join(",")}] must end in an axis of length 1 to ${r} (the rank of data)`);
  const want = [...idx.dims.slice(0, -1), ...dataShape.slice(k)];
  if (updShape.length !== want.length || updShape.some((d, i) => d !== want[i]))
    throw new Error(
      `${ctx.where}: updates have shape [${updShape.join(",")}]; indices [${idx.dims.join(",")}] and data [${dataShape.join(",")}] need [${want.join(",")}]`,
    );
  const values = ints(idx, ctx, "indices");
  const u = values.length / k;
  const rows = new Int32Array(u);
  const occurrence = new Int32Array(u);
  const seen = new Map<number, number>();
  for (let j = 0; j < u; j++) {
    let row = 0;
    for (let a = 0; a < k; a++) {
      const d = dataShape[a]!;
      const v = values[j * k + a]!;
      // negative indices count from the end, as onnxruntime reads them
      if (v < -d || v >= d) throw new Error(`${ctx.where}: index ${v} of indices entry ${j} is out of range for axis ${a} of length ${d}`);
      row = row * d + (v < 0 ? v + d : v);
    }
    rows[j] = row;
    occurrence[j] = seen.get(row) ?? 0;
    seen.set(row, occurrence[j]! + 1);
  }
  const m = dataShape.slice(0, k).reduce((p, d) => p * d, 1);
  const s = dataShape.slice(k).reduce((p, d) => p * d, 1);
  return { rows, occurrence, rounds: Math.max(0, ...seen.values()), m, s, u };
}

/** 1 on the rows not in `rows` (of m), 0 on those in it, as an [m, 1] column of `like`'s dtype. */
function untouched(like: NDArray, rows: Int32Array, m: number): NDArray {
  const mask = like.dtype === "float32" ? new Float32Array(m).fill(1) : new Float64Array(m).fill(1);
  for (const r of rows) if (r >= 0) mask[r] = 0;
  return new NDArray(mask, [m, 1]);
}

/**
 * ScatterND (opset 11; `reduction` "add" and "mul" from opset 16). With reduction "none" a slice written twice has
 * an undefined result in ONNX, so repeated index tuples are refused. Float data is computed on data.reshape(M, S)
 * with scatter_axis (a recorded op whose gradient is a gather): "none" = data·(1 − touched) + scatter(updates),
 * "add" = data + scatter(updates), "mul" = data·Π over rounds of (scatter(updates of that round) + 1 − touched),
 * a round holding each row's n-th update; so data and updates both get gradients. Integer data (shape arithmetic) is
 * computed on plain numbers.
 */
export const scatterND: OpDef = {
  attrs: ["reduction"],
  compile(a, ctx) {
    // opset 18's "max" and "min" are refused by choice, naming the node and the values tconv reads
    const reduction = a.choice<Reduction>("reduction", "none", ["none", "add", "mul"]);
    if (ctx.opset < 16 && a.has("reduction")) throw new Error(`${ctx.where}: attribute reduction exists from opset 16; this model is opset ${ctx.opset}`);
    return (ins) => {
      const data = need(ins, 0, ctx, "data");
      const idx = need(ins, 1, ctx, "indices");
      const upd = need(ins, 2, ctx, "updates");
      if (!isInt(idx)) throw new Error(`${ctx.where}: indices must be an int64 tensor, got a float tensor`);
      const t = targetRows(shapeOf(data), idx, shapeOf(upd), ctx);
      if (reduction === "none" && t.rounds > 1) {
        const j = t.occurrence.findIndex((o) => o > 0);
        const first = t.rows.indexOf(t.rows[j]!);
        throw new Error(
          `${ctx.where}: indices entries ${first} and ${j} name the same slice; with reduction "none" ONNX leaves the result undefined, so tconv refuses (use reduction "add" or distinct indices)`,
        );
      }
      if (isInt(data) || isInt(upd)) {
        if (!isInt(data) || !isInt(upd)) throw new Error(`${ctx.where}: data and updates must share one type; got one integer and one float tensor`);
        if (data.type !== upd.type)
          throw new Error(`${ctx.where}: data (${dataTypeName(data.type)}) and updates (${dataTypeName(upd.type)}) must share one type`);
        const out = [...data.data];
        for (let j = 0; j < t.u; j++)
          for (let e = 0; e < t.s; e++) {
            const o = t.rows[j]! * t.s + e;
            const v = upd.data[j * t.s + e]!;
            out[o] = reduction === "add" ? out[o]! + v : reduction === "mul" ? out[o]! * v : v;
          }
        return [intTensor(data.dims, out, data.type)];
      }
      const x = float(data, ctx);
      const y = float(upd, ctx);
      if (x.dtype !== y.dtype) throw new Error(`${ctx.where}: data (${x.dtype}) and updates (${y.dtype}) must share one type`);
      const x2 = reshape(x, [t.m, t.s]);
      const y2 = reshape(y, [t.u, t.s]);
      const scatter = (rows: Int32Array) => scatterAxis(y2, { axis: 0, table: rows, n: t.m, fromData: false });
      let out: NDArray;
      if (reduction === "add") out = binary("add", x2, scatter(t.rows));
      else if (reduction === "none") out = binary("add", binary("mul", x2, untouched(x, t.rows, t.m)), scatter(t.rows));
      else {
        out = x2;
        for (let round = 0; round < t.rounds; round++) {
          const rows = t.rows.map((r, j) => (t.occurrence[j] === round ? r : -1));
          out = binary("mul", out, binary("add", scatter(rows), untouched(x, rows, t.m)));
        }
      }
      return [reshape(out, x.shape)];
    };
  },
};
