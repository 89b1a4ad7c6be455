// The `nn` and `gluon` namespaces: layers, containers and parameters with Gluon's names (values and types).
import "../methods.js";
/** Gluon's layers and containers (`nn.Sequential`, `nn.Conv2DTranspose`, `nn.BatchNorm`, …), as values and types. */
export * as nn from "./nn.js";
/** Gluon: `nn`, `Parameter`, `ParameterDict`, `loss` and `Trainer`. */
export * as gluon from "./namespace.js";
