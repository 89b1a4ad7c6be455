// The `gluon` namespace: nn, Parameter, ParameterDict, loss, Trainer (values and types).
export * as nn from "./nn.js";
export { Parameter, ParameterDict, type ParameterGradReq, type ParameterOptions } from "./parameter.js";
export { loss } from "./loss.js";
export { Trainer } from "./trainer.js";
