// The `nn`, `rnn` and `gluon` namespaces: layers, containers and parameters with Gluon's names (values and types).
import "../methods.js";
/** Gluon's layers and containers (`nn.Sequential`, `nn.Conv2DTranspose`, `nn.BatchNorm`, …), as values and types. */
export * as nn from "./nn.js";
/** Gluon's recurrent layers (`rnn.LSTM`, `rnn.GRU`), as values and types. */
export * as rnn from "./rnn.js";
/** Gluon: `nn`, `rnn`, `Parameter`, `ParameterDict`, `loss`, `metric`, `Trainer` and `contrib` (the Estimator). */
export * as gluon from "./namespace.js";
