// The `onnx` namespace: importToGluon / exportModel and MXNet's names for them (import_to_gluon, export_model).
import { importToGluon } from "./import.js";
import { exportModel } from "./export.js";
import { SUPPORTED_OPS } from "./import-ops.js";

export type { ImportOptions, GraphInput } from "./import.js";
export { OnnxBlock } from "./import.js";
export type { ExportOptions } from "./export.js";

export const onnx = {
  importToGluon,
  exportModel,
  import_to_gluon: importToGluon,
  export_model: exportModel,
  /** the ONNX op types importToGluon reads, sorted */
  supportedOps: SUPPORTED_OPS,
};
