// A net's parameters to and from safetensors bytes: structural names, PyTorch aliases, channels-last weights, all-or-nothing loads.
import { NDArray } from "../ndarray/ndarray.js";
import type { Dtype, FloatArray } from "../ndarray/strided.js";
import { allocate, formatShape } from "../ndarray/strided.js";
import { parseSafetensors, readTensor, serializeSafetensors, isFloatDtype, type TensorToWrite } from "../io/safetensors.js";
import { readBoolean, readEnum, snapshotOptions } from "../params/options.js";
import type { Parameter } from "./parameter.js";

/** What saving and loading read of a block tree (Block implements it; declared here so this file needs no Block). */
export interface ParameterTree {
  namedOwnParameters(): Iterable<readonly [string, Parameter]>;
  namedChildren(): Iterable<readonly [string, ParameterTree]>;
  pytorchParameterName(local: string): string;
  checkLoadedShapes(shapes: ReadonlyMap<string, readonly number[]>): string | null;
  readonly constructor: { readonly name: string };
}

export interface LoadParametersOptions {
  /** keep the current values of parameters the file lacks instead of failing (default false) */
  allowMissing?: boolean;
  /** skip tensors of the file the net has no parameter for instead of failing (default false) */
  ignoreExtra?: boolean;
  /** the dtype every parameter has after the load (the file's values are converted); default: each keeps its own */
  dtype?: Dtype;
}

export interface SaveParametersOptions {
  /**
   * `"gluon"` (default): Gluon's names (`1.gamma`, `1.beta`). `"pytorch"`: PyTorch's state-dict names, i.e. a BatchNorm's
   * `gamma`/`beta` are written as `weight`/`bias`, so `model.load_state_dict(file, strict=True)` takes the file as it is.
   * (`num_batches_tracked` is not written: strict loading of a plain dict, as safetensors readers return, fills it with 0.)
   */
  names?: "gluon" | "pytorch";
}

/** A parameter with its structural name (`0.weight`, `enc1.0.bias`). */
export type NamedParameter = readonly [name: string, param: Parameter];

/** PyTorch's names for Gluon's: BatchNorm (and LayerNorm) `weight`/`bias` are Gluon's `gamma`/`beta`. */
const PYTORCH_ALIAS: ReadonlyMap<string, string> = new Map([
  ["gamma", "weight"],
  ["beta", "bias"],
]);
/** Tensors a PyTorch state dict holds that have no Gluon parameter; skipped when loading. */
const PYTORCH_ONLY: ReadonlySet<string> = new Set(["num_batches_tracked"]);
const LIST_AT_MOST = 6;

function lastPart(name: string): [head: string, last: string] {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? ["", name] : [name.slice(0, dot + 1), name.slice(dot + 1)];
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LIST_AT_MOST).join(", ");
  return names.length > LIST_AT_MOST ? `${shown} and ${names.length - LIST_AT_MOST} more` : shown;
}

/** A channels-last convolution weight `[O, ...k, I]` is stored as PyTorch's `[O, I, ...k]`. */
function storedChannelsLast(p: Parameter): boolean {
  return p.initContext.channelsLast === true && p.shape.length >= 3;
}

function toFileShape(shape: readonly number[], channelsLast: boolean): number[] {
  return channelsLast ? [shape[0]!, shape[shape.length - 1]!, ...shape.slice(1, -1)] : [...shape];
}

function toNetShape(shape: readonly number[], channelsLast: boolean): number[] {
  return channelsLast ? [shape[0]!, ...shape.slice(2), shape[1]!] : [...shape];
}

/**
 * Per outer index o, transposes an a×b block into b×a: `[O, K, I]` ↔ `[O, I, K]` with K the product of the kernel
 * sizes (a = K, b = I from net to file; a = I, b = K from file to net).
 */
function swapInner(src: FloatArray, outer: number, a: number, b: number): FloatArray {
  const out = allocate(src instanceof Float32Array ? "float32" : "float64", src.length);
  const block = a * b;
  for (let o = 0; o < outer; o++) {
    const base = o * block;
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[base + j * a + i] = src[base + i * b + j]!;
  }
  return out;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.map((d) => (d > 0 ? String(d) : "?")).join(",")}]`;
}

/**
 * The names a save writes under `options.names`: the structural names, or with `"pytorch"` each block's
 * Block.pytorchParameterName of its own parameters (a shared parameter keeps its first path, as in collectParams).
 */
function namesForSave(root: ParameterTree, named: readonly NamedParameter[], options: unknown, op: string): readonly NamedParameter[] {
  const o = snapshotOptions(op, options, ["names"]);
  if (readEnum(op, "names", o.names, ["gluon", "pytorch"], "gluon") === "gluon") return named;
  const renamed = new Map<Parameter, string>();
  const walk = (b: ParameterTree, path: string): void => {
    for (const [local, p] of b.namedOwnParameters()) if (!renamed.has(p)) renamed.set(p, path + b.pytorchParameterName(local));
    for (const [name, c] of b.namedChildren()) walk(c, `${path}${name}.`);
  };
  walk(root, ""); // (collectParams already rejected cycles)
  return named.map(([n, p]) => [renamed.get(p) ?? n, p] as const);
}

/** The file's bytes for `root`'s parameters (`named`, in collectParams order); every one must have values. */
export function parametersToBytes(root: ParameterTree, named: readonly NamedParameter[], options: unknown, op: string): Uint8Array {
  const where = op.split(":")[0]!;
  const names = namesForSave(root, named, options, where);
  const tensors: TensorToWrite[] = [];
  for (const [name, p] of names) {
    if (!p.isInitialized) {
      try {
        p.data();
      } catch (e) {
        throw new Error(`${op}: ${name}: ${(e as Error).message}`);
      }
    }
    const v = p.data();
    // (the buffer itself when dense, else a dense copy: always v.size elements in row-major order)
    let data = v.asTypedArray();
    const cl = storedChannelsLast(p);
    if (cl) {
      const s = v.shape;
      const inner = s[s.length - 1]!;
      data = swapInner(data, s[0]!, v.size / (s[0]! * inner) || 0, inner);
    }
    tensors.push({ name, shape: toFileShape(v.shape, cl), data });
  }
  return serializeSafetensors(tensors, new Map([["format", "pt"]]));
}

interface Planned {
  readonly param: Parameter;
  readonly value: NDArray;
}

/**
 * Loads `bytes` into the parameters. Everything is parsed and checked (file structure, names, shapes, dtypes) and
 * every value decoded before the first parameter changes, so an error leaves the net exactly as it was.
 * `where` starts every message (`loadParameters: model.safetensors`).
 */
export function loadParametersFromBytesInto(root: ParameterTree, named: readonly NamedParameter[], bytes: Uint8Array, options: unknown, where: string): void {
  const op = where.split(":")[0]!;
  const o = snapshotOptions(op, options, ["allowMissing", "ignoreExtra", "dtype"]);
  const allowMissing = readBoolean(op, "allowMissing", o.allowMissing, false);
  const ignoreExtra = readBoolean(op, "ignoreExtra", o.ignoreExtra, false);
  const dtype = o.dtype === undefined ? null : readEnum<Dtype>(op, "dtype", o.dtype, ["float32", "float64"], "float32");
  const file = parseSafetensors(bytes, where);

  const netNames = new Set(named.map(([n]) => n));
  const pytorchNames = new Map(namesForSave(root, named, { names: "pytorch" }, op).map(([n, p]) => [p, n]));
  const used = new Set<string>();
  const matched: [name: string, key: string, p: Parameter][] = [];
  const missing: string[] = [];
  for (const [name, p] of named) {
    let key: string | null = file.entries.has(name) ? name : null;
    if (key === null) {
      const [head, last] = lastPart(name);
      const alias = PYTORCH_ALIAS.get(last);
      if (alias !== undefined && file.entries.has(head + alias) && !netNames.has(head + alias)) key = head + alias;
    }
    if (key === null) {
      // the block's own PyTorch name (Block.pytorchParameterName: an LSTM's `weight_ih_l0` for `l0_i2h_weight`)
      const torchName = pytorchNames.get(p);
      if (torchName !== undefined && file.entries.has(torchName) && !netNames.has(torchName)) key = torchName;
    }
    if (key === null || used.has(key)) {
      missing.push(name);
      continue;
    }
    used.add(key);
    matched.push([name, key, p]);
  }
  const extra = [...file.entries.keys()].filter((k) => !used.has(k) && !PYTORCH_ONLY.has(lastPart(k)[1]));
  if (missing.length > 0 && !allowMissing)
    throw new Error(
      `${where}: the file has no ${listNames(missing)} (the net's ${missing.length === 1 ? "parameter" : `${missing.length} parameters`}; pass allowMissing: true to keep their current values)`,
    );
  if (extra.length > 0 && !ignoreExtra)
    throw new Error(
      `${where}: the net has no parameter for ${listNames(extra)} in the file (pass ignoreExtra: true to skip ${extra.length === 1 ? "it" : "them"})`,
    );

  const plan: Planned[] = [];
  for (const [name, key, p] of matched) {
    const entry = file.entries.get(key)!;
    const shown = key === name ? name : `${key} (the net's ${name})`;
    if (!isFloatDtype(entry.dtype)) throw new Error(`${where}: ${shown} has dtype ${entry.dtype}; a parameter needs F32, F64, F16 or BF16`);
    const cl = storedChannelsLast(p);
    // a parameter whose values exist has a complete shape; a deferred one has 0 where the file decides
    const expectNet = p.isInitialized ? p.data().shape : p.shape;
    const expectFile = toFileShape(expectNet, cl);
    const got = entry.shape;
    const fits = got.length === expectFile.length && got.every((d, i) => (expectFile[i]! > 0 ? d === expectFile[i] : d > 0));
    if (!fits) throw new Error(`${where}: ${shown} has shape ${formatShape(got)}, the net expects ${shapeText(expectFile)}`);
    const netShape = toNetShape(got, cl);
    if (!p.isInitialized && expectNet.includes(0) && p.acceptShape) {
      const why = p.acceptShape(netShape);
      if (why !== null) throw new Error(`${where}: ${shown} has shape ${formatShape(got)}, which the layer cannot take: ${why}`);
    }
    let data = readTensor(file, entry, dtype ?? p.dtype, `${where}`);
    if (cl) {
      const inner = got[1]!;
      data = swapInner(data, got[0]!, inner, entry.size / (got[0]! * inner) || 0);
    }
    plan.push({ param: p, value: new NDArray(data, netShape) });
  }
  checkBlocks(root, plan, named, where);
  // nothing above changed the net; nothing below can fail
  if (dtype !== null) for (const [, p] of named) p.cast(dtype);
  for (const { param, value } of plan) param.loadData(value);
}

/**
 * Lets each block that owns loaded parameters check them together (e.g. a BatchNorm whose deferred gamma, beta and
 * running statistics must agree on the channel count): Block.checkLoadedShapes gets own name → shape.
 */
function checkBlocks(root: ParameterTree, plan: readonly Planned[], named: readonly NamedParameter[], where: string): void {
  const loaded = new Map<Parameter, readonly number[]>(plan.map(({ param, value }) => [param, value.shape]));
  const nameOf = new Map<Parameter, string>(named.map(([n, p]) => [p, n]));
  const seen = new Set<ParameterTree>();
  const walk = (b: ParameterTree): void => {
    if (seen.has(b)) return;
    seen.add(b);
    const shapes = new Map<string, readonly number[]>();
    let first: [string, Parameter] | null = null;
    for (const [local, p] of b.namedOwnParameters()) {
      const s = loaded.get(p);
      if (s) {
        shapes.set(local, s);
        first ??= [local, p];
      }
    }
    const why = shapes.size > 0 ? b.checkLoadedShapes(shapes) : null;
    if (why !== null) {
      const [local, p] = first!;
      const full = nameOf.get(p) ?? local;
      const path = full.length > local.length ? full.slice(0, full.length - local.length - 1) : "";
      throw new Error(`${where}: ${path ? `${path} (${b.constructor.name})` : b.constructor.name} cannot take the file's shapes: ${why}`);
    }
    for (const [, c] of b.namedChildren()) walk(c);
  };
  walk(root);
}
