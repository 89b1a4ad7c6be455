// The `nn` and `gluon` namespaces: layers, containers and parameters with Gluon's names (values and types).
export * as nn from "./nn.js";
export * as gluon from "./namespace.js";
