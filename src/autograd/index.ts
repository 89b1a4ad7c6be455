// The `autograd` namespace with MXNet's names: record, pause, trainMode, predictMode, isRecording, isTraining, grad.
import { isRecording, isTraining, pause, predictMode, record, trainMode } from "../tape/tape.js";
import { grad } from "./grad.js";

export type { GradOptions } from "./grad.js";
export const autograd = { record, pause, trainMode, predictMode, isRecording, isTraining, grad };
