// The `gluon.contrib` namespace: MXNet's contrib estimator (Estimator and its event handlers).
import { Estimator } from "./estimator.js";
import { GradientUpdateHandler, LoggingHandler, MetricHandler, StoppingHandler, ValidationHandler } from "./event-handler.js";

/** MXNet's `gluon.contrib`: experimental conveniences (the Estimator). */
export const contrib = {
  /** MXNet's `gluon.contrib.estimator`: the Estimator training loop and its event handlers. */
  estimator: {
    /** Trains and evaluates a Block: `await new Estimator(net, { loss, trainer }).fit(trainData, { epochs })`. */
    Estimator,
    /** Stops training after `maxEpoch` epochs or `maxBatch` batches. */
    StoppingHandler,
    /** Steps the trainer after each batch's backward (priority −2000). */
    GradientUpdateHandler,
    /** Resets metrics at each epoch and updates them after each batch (priority −1000). */
    MetricHandler,
    /** Runs `evaluate` on validation data every `epochPeriod` epochs or `batchPeriod` batches. */
    ValidationHandler,
    /** Logs the learning rate, each epoch's time and metrics, and a progress line in a Node terminal. */
    LoggingHandler,
  },
};
