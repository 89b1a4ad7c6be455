// The `tconv/onnx` entry: importToGluon / exportModel and MXNet's names for them; the only entry that loads protobufjs.
import "../methods.js"; // the graph code calls NDArray methods, installed by this module whichever entry loads first
import { importToGluon } from "./import.js";
import { exportModel } from "./export.js";
import { SUPPORTED_OPS } from "./import-ops.js";

export type { ImportOptions, GraphInput } from "./import.js";
export { OnnxBlock } from "./import.js";
export type { ExportOptions } from "./export.js";

/** ONNX import (a trainable Block) and export, with MXNet's names `import_to_gluon` and `export_model` as aliases. */
export const onnx = {
  /** Reads the bytes of a .onnx file into an OnnxBlock whose initializers are trainable Parameters. */
  importToGluon,
  /** Writes a Block (traced on example inputs) as the bytes of a .onnx file. */
  exportModel,
  /** MXNet's name for importToGluon. */
  import_to_gluon: importToGluon,
  /** MXNet's name for exportModel. */
  export_model: exportModel,
  /** the ONNX op types importToGluon reads, sorted */
  supportedOps: SUPPORTED_OPS,
};
