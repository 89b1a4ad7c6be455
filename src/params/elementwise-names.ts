// The names of the elementwise ops and reductions: one list each, read by the op catalogue, the ops' validation and the
// Backend interface (whose kernels must cover every name).

/** Elementwise ops of two operands (numpy broadcasting); comparisons give 1 or 0. */
export const BINARY_OPS = ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "eq", "ne", "lt", "le", "gt", "ge"] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
/** Elementwise ops of one array. */
export const UNARY_OPS = ["neg", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "softrelu"] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
/** Reductions over chosen axes. */
export type ReduceOp = "sum" | "mean" | "max" | "min";
