// The `autograd` namespace with MXNet's names: record, pause, isRecording (backward is NDArray.backward).
import { isRecording, pause, record } from "./tape.js";

export const autograd = { record, pause, isRecording };
