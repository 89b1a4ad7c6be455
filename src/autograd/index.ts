// The `autograd` namespace with MXNet's names: record, pause, trainMode, predictMode, isRecording, isTraining.
import { isRecording, isTraining, pause, predictMode, record, trainMode } from "../tape/tape.js";

export const autograd = { record, pause, trainMode, predictMode, isRecording, isTraining };
