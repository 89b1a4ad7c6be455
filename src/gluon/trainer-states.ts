// A Trainer's optimizer state (Adam's moments and step count, SGD's momentum) to and from safetensors bytes, checked before use.
//
// File: one tensor per state array, named `<parameter>.<state>` (`0.weight.adam_m`, `0.weight.adam_v`,
// `1.bias.momentum`), the parameter's structural name (or its index in the Trainer when it was given an array), and
// `__metadata__` {kind: "tconv-trainer-states", optimizer, step, learningRate, and the hyperparameters}.
import { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import { formatShape } from "../ndarray/strided.js";
import { isFloatDtype, parseSafetensors, readTensor, serializeSafetensors, type TensorToWrite } from "../io/safetensors.js";
import type { Parameter } from "./parameter.js";

export const STATES_KIND = "tconv-trainer-states";

/** The state arrays per optimizer, in the order the Trainer keeps them. */
export const STATE_NAMES = { sgd: ["momentum"], adam: ["adam_m", "adam_v"] } as const;

export interface TrainerSnapshot {
  readonly optimizer: "sgd" | "adam";
  readonly step: number;
  readonly learningRate: number;
  /** hyperparameters fixed at construction (momentum, beta1 …), checked on load */
  readonly hyper: ReadonlyMap<string, number | null>;
  /** state arrays by index into `params` */
  readonly states: ReadonlyMap<number, readonly NDArray[]>;
}

export function statesToBytes(names: readonly string[], s: TrainerSnapshot): Uint8Array {
  const tensors: TensorToWrite[] = [];
  for (let i = 0; i < names.length; i++) {
    const arrays = s.states.get(i);
    if (!arrays) continue;
    STATE_NAMES[s.optimizer].forEach((suffix, j) => {
      const a = arrays[j]!;
      tensors.push({ name: `${names[i]}.${suffix}`, shape: a.shape, data: a.asTypedArray() });
    });
  }
  const meta = new Map<string, string>([
    ["kind", STATES_KIND],
    ["optimizer", s.optimizer],
    ["step", String(s.step)],
    ["learningRate", String(s.learningRate)],
  ]);
  for (const [k, v] of s.hyper) meta.set(k, String(v));
  return serializeSafetensors(tensors, meta);
}

function metaNumber(meta: ReadonlyMap<string, string>, key: string, where: string): number | null {
  const text = meta.get(key);
  if (text === undefined) throw new Error(`${where}: __metadata__ lacks "${key}"`);
  if (text === "null") return null;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) throw new Error(`${where}: __metadata__ "${key}" is ${JSON.stringify(text)}, not a number`);
  return v;
}

/**
 * Parses and checks a states file against this trainer (optimizer, hyperparameters, names, shapes) and decodes it.
 * Throws `${where}: …` on anything wrong; the caller applies the result only when this returns.
 */
export function statesFromBytes(
  bytes: Uint8Array,
  names: readonly string[],
  params: readonly Parameter[],
  current: Pick<TrainerSnapshot, "optimizer" | "hyper">,
  where: string,
): TrainerSnapshot {
  const file = parseSafetensors(bytes, where);
  const meta = file.metadata;
  if (meta.get("kind") !== STATES_KIND)
    throw new Error(`${where}: not a trainer-states file (__metadata__ "kind" is ${JSON.stringify(meta.get("kind") ?? null)}, expected "${STATES_KIND}")`);
  const optimizer = meta.get("optimizer");
  if (optimizer !== current.optimizer)
    throw new Error(`${where}: the states are ${JSON.stringify(optimizer ?? null)}'s, this trainer uses ${current.optimizer}`);
  const stepText = meta.get("step") ?? "";
  const step = Number(stepText);
  if (!/^[0-9]{1,15}$/.test(stepText)) throw new Error(`${where}: __metadata__ "step" is ${JSON.stringify(stepText)}, not a step count`);
  const learningRate = metaNumber(meta, "learningRate", where)!;
  if (learningRate === null || learningRate < 0) throw new Error(`${where}: __metadata__ "learningRate" is ${meta.get("learningRate")}, not a learning rate`);
  for (const [k, v] of current.hyper) {
    const saved = metaNumber(meta, k, where);
    if (saved !== v)
      throw new Error(`${where}: the states were saved with ${k}=${saved}, this trainer has ${k}=${v}; resuming would not continue the same run`);
  }
  const suffixes: readonly string[] = STATE_NAMES[current.optimizer];
  const index = new Map(names.map((n, i) => [n, i]));
  const found = new Map<number, (NDArray | undefined)[]>();
  for (const entry of file.entries.values()) {
    const dot = entry.name.lastIndexOf(".");
    const j = suffixes.indexOf(entry.name.slice(dot + 1));
    const i = dot > 0 ? index.get(entry.name.slice(0, dot)) : undefined;
    if (j < 0 || i === undefined)
      throw new Error(
        `${where}: ${entry.name} is not a ${current.optimizer} state of this trainer's parameters (expected <parameter>.${suffixes.join(" or .")})`,
      );
    const p = params[i]!;
    if (!p.isInitialized) throw new Error(`${where}: ${entry.name}: parameter ${names[i]} has no values yet; load or initialize the parameters first`);
    const want = p.data().shape;
    if (entry.shape.length !== want.length || entry.shape.some((d, k) => d !== want[k]))
      throw new Error(`${where}: ${entry.name} has shape ${formatShape(entry.shape)}, the parameter has ${formatShape(want)}`);
    if (!isFloatDtype(entry.dtype)) throw new Error(`${where}: ${entry.name} has dtype ${entry.dtype}; states need F32 or F64`);
    const dtype: Dtype = p.dtype;
    const arrays = found.get(i) ?? new Array<NDArray | undefined>(suffixes.length).fill(undefined);
    arrays[j] = new NDArray(readTensor(file, entry, dtype, where), want);
    found.set(i, arrays);
  }
  const states = new Map<number, NDArray[]>();
  for (const [i, arrays] of found) {
    const lacking = suffixes.filter((_, j) => arrays[j] === undefined);
    if (lacking.length > 0)
      throw new Error(`${where}: ${names[i]} has ${suffixes.filter((s) => !lacking.includes(s)).join(", ")} but no ${lacking.join(", ")}`);
    states.set(i, arrays as NDArray[]);
  }
  return { optimizer: current.optimizer, step, learningRate, hyper: current.hyper, states };
}
