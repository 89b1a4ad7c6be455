// The `rnn` namespace: Gluon's recurrent layers (rnn.LSTM, rnn.GRU), each usable as a value and as a type.
export { GRU, LSTM } from "./rnn-layers.js";
