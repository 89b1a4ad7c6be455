// The `gluon` namespace: nn, rnn, Parameter, ParameterDict, loss, metric, Trainer, contrib (values and types).
/** Gluon's layers and containers, the same namespace as the top-level `nn`. */
export * as nn from "./nn.js";
/** Gluon's recurrent layers, the same namespace as the top-level `rnn`. */
export * as rnn from "./rnn.js";
export { Parameter, ParameterDict, type ParameterGradReq, type ParameterOptions } from "./parameter.js";
export { loss } from "./loss.js";
export { Trainer } from "./trainer.js";
export { metric } from "./metric.js";
export { contrib } from "./contrib/index.js";
