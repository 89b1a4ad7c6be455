// The `nn` and `gluon` namespaces: layers, containers and parameters with Gluon's names (values and types).
import "../methods.js";
export * as nn from "./nn.js";
export * as gluon from "./namespace.js";
