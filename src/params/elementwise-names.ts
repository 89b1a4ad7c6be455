// The names of the elementwise ops and reductions. Elementwise names are declared once, in elementwise-ops.json (with
// each op's loop expression and ONNX form); the build turns them into elementwise-names.generated.ts, read here by the
// op catalogue, the ops' validation, the Backend interface and the ONNX exporter.
export { BINARY_OPS, type BinaryOp, ONNX_ELEMENTWISE, type OnnxElementwise, UNARY_OPS, type UnaryOp } from "./elementwise-names.generated.js";

/** Reductions over chosen axes. */
export type ReduceOp = "sum" | "mean" | "max" | "min" | "prod";
