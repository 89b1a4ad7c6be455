// ONNX Gemm and MatMul for the importer.
import { binary } from "../ops/elementwise.js";
import { dot, matmul } from "../ops/linalg.js";
import { type OpDef, need, float } from "./import-ops-common.js";

export const gemm: OpDef = {
  attrs: ["alpha", "beta", "transA", "transB", "broadcast"],
  compile(a, ctx) {
    const alpha = a.float("alpha", 1);
    const beta = a.float("beta", 1);
    const ta = a.int("transA", 0) !== 0;
    const tb = a.int("transB", 0) !== 0;
    return (ins) => {
      let A = float(need(ins, 0, ctx, "A"), ctx);
      let B = float(need(ins, 1, ctx, "B"), ctx);
      if (A.ndim !== 2 || B.ndim !== 2) throw new Error(`${ctx.where}: A [${A.shape.join(",")}] and B [${B.shape.join(",")}] must be 2-D`);
      if (ta) A = A.T;
      if (tb) B = B.T;
      if (A.shape[1] !== B.shape[0]) throw new Error(`${ctx.where}: A' [${A.shape.join(",")}] and B' [${B.shape.join(",")}] do not multiply`);
      let y = dot(A, B);
      if (alpha !== 1) y = binary("mul", y, alpha);
      if (ins[2] !== undefined) {
        const C = float(ins[2], ctx);
        y = binary("add", y, beta === 1 ? C : binary("mul", C, beta));
      }
      return [y];
    };
  },
};

export const matmulOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const A = float(need(ins, 0, ctx, "A"), ctx);
    const B = float(need(ins, 1, ctx, "B"), ctx);
    if (A.ndim <= 2 && B.ndim <= 2) return [dot(A, B)];
    if (B.ndim === 2) {
      // [..., M, K] · [K, N] as one 2-D product
      const k = A.shape[A.ndim - 1]!;
      if (k !== B.shape[0]) throw new Error(`${ctx.where}: shapes [${A.shape.join(",")}] and [${B.shape.join(",")}] do not multiply`);
      return [dot(A.reshape(-1, k), B).reshape([...A.shape.slice(0, -1), B.shape[1]!])];
    }
    if (A.ndim === B.ndim) return [matmul(A, B)];
    throw new Error(
      `${ctx.where}: MatMul of shapes [${A.shape.join(",")}] and [${B.shape.join(",")}] needs batch broadcasting, which tconv does not implement`,
    );
  },
};
