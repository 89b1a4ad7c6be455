// autograd.record: installs the gradient rules for backward, then records (the rules load only with recording).
import { record as recordOnTape } from "../tape/tape.js";
import { installGradRules } from "./backward.js";
import * as gradRules from "./grads/index.js";

/** Runs a synchronous function with recording on (training mode unless `{ trainMode: false }`); returns its result. */
export function record<T>(fn: () => T, options?: { trainMode?: boolean }): T {
  installGradRules(gradRules);
  return recordOnTape(fn, options);
}
