// The `gluon` namespace: nn, Parameter, ParameterDict, loss, Trainer (values and types).
/** Gluon's layers and containers, the same namespace as the top-level `nn`. */
export * as nn from "./nn.js";
export { Parameter, ParameterDict, type ParameterGradReq, type ParameterOptions } from "./parameter.js";
export { loss } from "./loss.js";
export { Trainer } from "./trainer.js";
