// The rule of rnn_layer, which never runs: the op is only traced for ONNX export, the layer is recorded as its steps.
import type { RuleSet } from "./rule.js";

export const rnnRules: RuleSet<"rnn_layer"> = {
  // rnn.LSTM / rnn.GRU name a layer to the export tracer only (traceOp); autograd sees the recorded cell ops of
  // ops/rnn.ts, whose rules give the gradients (to any order)
  rnn_layer: () => {
    throw new Error("rnn_layer: this op is traced for ONNX export only and never recorded; its gradients come from the layer's recorded steps");
  },
};
