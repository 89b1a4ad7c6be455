// User option objects: one snapshot of own plain values, checked once, with named errors and "did you mean".

/** A snapshot: a null-prototype record of the caller's own options, deep-copied (arrays dense, frozen). */
export type OptionSnapshot = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 8;

/** A short, safe rendering of any value for error messages (no JSON.stringify: BigInt and cycles throw there). */
export function showValue(v: unknown, depth = 0): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return v.toString();
  if (typeof v === "function") return "a function";
  if (v === null || typeof v !== "object") return String(v);
  if (depth > 2) return "…";
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < Math.min(v.length, 8); i++) parts.push(i in v ? showValue(v[i], depth + 1) : "<empty>");
    if (v.length > 8) parts.push("…");
    return `[${parts.join(",")}]`;
  }
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
}

/** Levenshtein distance, for the nearest known option name. */
function distance(a: string, b: string): number {
  const row = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The known name closest to `key`, or null when none is plausibly meant. */
export function nearestName(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Copies one option value: numbers, strings, booleans, undefined and null as they are; arrays element by element
 * (holes are an error); plain objects key by key; class instances (NDArray, Initializer, …) by reference, since the
 * reader of that option checks their type. BigInt, symbols, functions, cycles and deep nesting are errors.
 */
function copyValue(where: string, name: string, v: unknown, seen: object[], depth: number, freeze = true): unknown {
  switch (typeof v) {
    case "number":
    case "string":
    case "boolean":
    case "undefined":
      return v;
    case "bigint":
      throw new Error(`${where}: ${name}=${showValue(v)} is a BigInt; use a plain number`);
    case "symbol":
      throw new Error(`${where}: ${name} is a symbol; expected a number, a string or a list`);
    case "function":
      throw new Error(`${where}: ${name} is a function; expected a number, a string or a list`);
  }
  if (v === null) return null;
  const obj = v as object;
  if (seen.includes(obj)) throw new Error(`${where}: ${name} contains itself (a circular structure)`);
  if (depth >= MAX_DEPTH) throw new Error(`${where}: ${name} is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(obj)) {
    const n = obj.length;
    if (n > 1 << 16) throw new Error(`${where}: ${name} has ${n} entries, more than any option takes`);
    const out: unknown[] = [];
    seen.push(obj);
    for (let i = 0; i < n; i++) {
      if (!Object.hasOwn(obj, i)) throw new Error(`${where}: ${name} has an empty slot at index ${i} (a sparse array)`);
      const x: unknown = obj[i];
      // numbers, strings and booleans inline: no per-element name string on this per-call path
      out.push(typeof x === "number" || typeof x === "string" || typeof x === "boolean" ? x : copyValue(where, `${name}[${i}]`, x, seen, depth + 1, freeze));
    }
    seen.pop();
    return freeze ? Object.freeze(out) : out;
  }
  if (!isPlainObject(obj)) return obj;
  seen.push(obj);
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(obj)) out[key] = copyValue(where, `${name}.${key}`, (obj as Record<string, unknown>)[key], seen, depth + 1, freeze);
  if (Object.getOwnPropertySymbols(obj).length > 0) throw new Error(`${where}: ${name} has symbol keys; use plain names`);
  seen.pop();
  return freeze ? Object.freeze(out) : out;
}

/**
 * Snapshots `options` for `where` (an op or layer name): own enumerable keys only, each in `known` (an unknown key is
 * an error naming the nearest known one), values deep-copied once so that later changes to the caller's object, a
 * Proxy's second answer or `Object.prototype` additions cannot reach the op. `undefined` gives an empty snapshot.
 * The result has a null prototype: reading a key the caller did not give is `undefined`, never an inherited value.
 * It is frozen (and so are the arrays and objects in it) unless `freezeRecord` is false: only for a caller whose record
 * and its arrays never leave the call (ops/conv.ts builds a fresh geometry from them), since freezing costs ~90 ns for
 * the record and more for each array of a 1.5 µs small convolution.
 */
export function snapshotOptions(where: string, options: unknown, known: readonly string[], freezeRecord = true): OptionSnapshot {
  const out: Record<string, unknown> = Object.create(null);
  if (options === undefined) return freezeRecord ? Object.freeze(out) : out;
  if (options === null || typeof options !== "object" || Array.isArray(options) || !isPlainObject(options))
    throw new Error(`${where}: options must be a plain object like { ${known.slice(0, 2).join(", ")} }, got ${showValue(options)}`);
  if (Object.getOwnPropertySymbols(options).length > 0) throw new Error(`${where}: options have symbol keys; use the option names (${known.join(", ")})`);
  const keys = Object.keys(options);
  const seen: object[] = [options]; // copyValue pushes and pops its own entries, so one list serves every key
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!known.includes(key)) {
      const near = nearestName(key, known);
      throw new Error(`${where}: unknown option '${key}'` + (near ? ` (did you mean '${near}'?)` : `; known options are ${known.join(", ")}`));
    }
    out[key] = copyValue(where, key, (options as Record<string, unknown>)[key], seen, 1, freezeRecord);
  }
  return freezeRecord ? Object.freeze(out) : out;
}

/** An integer in [min, max], or `dflt` when absent (undefined or null). */
export function readInt(where: string, name: string, v: unknown, dflt: number, min = -Infinity, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new Error(`${where}: ${name}=${showValue(v)} must be an integer` + rangeText(min, max));
  return v;
}

/** A finite number in [min, max] (or the open/closed interval the caller says), or `dflt` when absent. */
export function readNumber(where: string, name: string, v: unknown, dflt: number, min = -Infinity, max = Infinity): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
    throw new Error(`${where}: ${name}=${showValue(v)} must be a finite number` + rangeText(min, max));
  return v;
}

/** true or false, or `dflt` when absent. */
export function readBoolean(where: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") throw new Error(`${where}: ${name}=${showValue(v)} must be true or false`);
  return v;
}

/** One of `values`, or `dflt` when absent. */
export function readEnum<T extends string>(where: string, name: string, v: unknown, values: readonly T[], dflt: T): T {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "string" || !(values as readonly string[]).includes(v))
    throw new Error(`${where}: ${name}=${showValue(v)} is not one of ${values.map((x) => `"${x}"`).join(", ")}`);
  return v as T;
}

/** A number or a list of `n` numbers, each an integer in [min, max]; absent gives `n` copies of `dflt`. */
export function readIntList(where: string, name: string, v: unknown, n: number, dflt: number, min = -Infinity, max = Number.MAX_SAFE_INTEGER): number[] {
  const out: number[] = [];
  if (v === undefined || v === null) {
    for (let i = 0; i < n; i++) out.push(dflt);
    return out;
  }
  if (typeof v === "number") {
    const x = readInt(where, name, v, dflt, min, max);
    for (let i = 0; i < n; i++) out.push(x);
    return out;
  }
  if (!Array.isArray(v)) throw new Error(`${where}: ${name}=${showValue(v)} must be an integer or a list of ${n} integers`);
  if (v.length !== n) throw new Error(`${where}: ${name}=${showValue(v)} must have ${n} entries, one per axis`);
  for (let i = 0; i < n; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max)
      throw new Error(`${where}: ${name}=${showValue(v)} must hold integers` + rangeText(min, max));
    out.push(x);
  }
  return out;
}

function rangeText(min: number, max: number): string {
  const lo = min > -Infinity,
    hi = max < Number.MAX_SAFE_INTEGER && max < Infinity;
  if (lo && hi) return ` in [${min}, ${max}]`;
  if (lo) return ` >= ${min}`;
  if (hi) return ` <= ${max}`;
  return "";
}

/**
 * snapshotOptions for every key but `byReference`: those (event handlers, data sources, streams: objects with methods
 * that a deep copy would refuse or break) are read once from the caller's own keys and kept as given.
 */
export function snapshotOptionsKeeping(where: string, options: unknown, known: readonly string[], byReference: readonly string[]): OptionSnapshot {
  if (options === undefined || options === null || typeof options !== "object" || Array.isArray(options) || !isPlainObject(options))
    return snapshotOptions(where, options, known);
  const rest: Record<string | symbol, unknown> = { ...(options as Record<string | symbol, unknown>) };
  const kept: Record<string, unknown> = Object.create(null);
  for (const k of byReference)
    if (Object.hasOwn(options, k)) {
      kept[k] = (options as Record<string, unknown>)[k];
      delete rest[k];
    }
  return Object.freeze(Object.assign(Object.create(null) as Record<string, unknown>, snapshotOptions(where, rest, known), kept));
}
