// Typed readers of an ONNX node's attributes; unknown names and wrong kinds are errors naming the node.
import type { AttributeRecord } from "./proto.js";
import { readTensor, type TensorValue } from "./proto.js";

// AttributeProto.AttributeType numbers
const FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8;
const decoder = new TextDecoder();
/** The value field of each singular AttributeType (FLOAT, INT, STRING, TENSOR, GRAPH). */
const SINGLE_FIELD: Readonly<Record<number, "f" | "i" | "s" | "t" | "g">> = { 1: "f", 2: "i", 3: "s", 4: "t", 5: "g" };
const VALUE_FIELDS = ["f", "i", "s", "t", "g", "floats", "ints", "strings"] as const;

export class Attributes {
  private readonly byName = new Map<string, AttributeRecord>();

  constructor(
    records: readonly AttributeRecord[],
    /** `node 'Conv_3' (Conv)`: the start of every error */
    readonly where: string,
    known: readonly string[],
  ) {
    for (const a of records) {
      const name = a.name ?? "";
      // as onnxruntime's checker: a name once, and a declared type (UNDEFINED = 0 is invalid)
      if (this.byName.has(name)) throw new Error(`${where}: attribute '${name}' is given twice`);
      if (!a.type) throw new Error(`${where}: attribute '${name}' has no type (AttributeProto.type is UNDEFINED)`);
      // a singular type must carry its own field (the checker's "type field and data field mismatch")
      const field = SINGLE_FIELD[a.type];
      if (field && a[field] === undefined) throw new Error(`${where}: attribute '${name}' is declared type ${a.type} but has no '${field}' value`);
      // and one value field only (a list type carrying a singular value is the same mismatch)
      const used = VALUE_FIELDS.filter((k) => (Array.isArray(a[k]) ? (a[k] as unknown[]).length > 0 : a[k] !== undefined));
      if (used.length > 1 || (!field && used.some((k) => !Array.isArray(a[k]))))
        throw new Error(`${where}: attribute '${name}' of type ${a.type} carries the value fields ${used.join(", ")}; it must carry exactly its type's one`);
      if (a.ref_attr_name) throw new Error(`${where}: attribute '${name}' refers to a function attribute, which tconv does not support`);
      if (!known.includes(name)) throw new Error(`${where}: attribute '${name}' is not one tconv reads for this op (known: ${known.join(", ") || "none"})`);
      this.byName.set(name, a);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, type: number, kind: string): AttributeRecord | undefined {
    const a = this.byName.get(name);
    if (a && a.type !== undefined && a.type !== type) throw new Error(`${this.where}: attribute '${name}' must be ${kind}, got attribute type ${a.type}`);
    return a;
  }

  int(name: string, dflt: number): number {
    const a = this.get(name, INT, "an int");
    if (!a) return dflt;
    const v = Number(a.i ?? 0);
    if (!Number.isSafeInteger(v)) throw new Error(`${this.where}: attribute '${name}'=${v} is not a safe integer`);
    return v;
  }

  float(name: string, dflt: number): number {
    const a = this.get(name, FLOAT, "a float");
    return a ? Number(a.f ?? 0) : dflt;
  }

  string(name: string, dflt: string): string {
    const a = this.get(name, STRING, "a string");
    return a ? decoder.decode(a.s ?? new Uint8Array()) : dflt;
  }

  /** `saturate`: int64 values beyond ±2^53 (INT64_MAX / INT64_MIN sentinels) become ±(2^53 − 1) instead of an error. */
  ints(name: string, saturate = false): number[] | undefined {
    const a = this.get(name, INTS, "a list of ints");
    if (!a) return undefined;
    let v = (a.ints ?? []).map(Number);
    if (saturate) v = v.map((x) => (x > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : x < -Number.MAX_SAFE_INTEGER ? -Number.MAX_SAFE_INTEGER : x));
    if (v.length > 64 || !v.every(Number.isSafeInteger))
      throw new Error(`${this.where}: attribute '${name}'=[${v.slice(0, 8).join(",")}…] is not a short list of integers`);
    return v;
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, FLOATS, "a list of floats");
    return a ? (a.floats ?? []).map(Number) : undefined;
  }

  strings(name: string): string[] | undefined {
    const a = this.get(name, STRINGS, "a list of strings");
    return a ? (a.strings ?? []).map((b) => decoder.decode(b)) : undefined;
  }

  tensor(name: string): TensorValue | undefined {
    const a = this.get(name, TENSOR, "a tensor");
    return a ? readTensor(a.t ?? {}, this.where) : undefined;
  }

  /** `name` must be one of `allowed`. */
  choice<T extends string>(name: string, dflt: T, allowed: readonly T[]): T {
    const v = this.string(name, dflt);
    if (!(allowed as readonly string[]).includes(v))
      throw new Error(`${this.where}: attribute ${name}="${v}" is not supported; tconv reads ${allowed.map((s) => `"${s}"`).join(", ")}`);
    return v as T;
  }
}
