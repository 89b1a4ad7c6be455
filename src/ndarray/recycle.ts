// Buffer reuse where nobody can observe it: inside a scope whose owner knows when each array dies (an imported graph's forward outside autograd.record).
// (dtype.ts's allocate imports this file; its two types are spelled out here so the two files do not import each other)
type Dtype = "float32" | "float64";
type FloatArray = Float32Array | Float64Array;

/**
 * A recycling scope. Fresh arrays page-fault on their first write (about 2 µs per 4 KiB page on a VM: a third of a
 * large layer's time), and the C allocator hands large freed blocks back to the OS, so every new output faults again.
 * Within a scope, `allocate` takes a zeroed array of the same dtype and length that the owner released earlier
 * (onnxruntime's memory-pattern idea); only arrays born in the scope can be released, so an input, a weight or a
 * caller's array is never reused.
 */
export class RecycleScope {
  /** released arrays by dtype and length */
  private readonly free = new Map<string, FloatArray[]>();
  /** the buffers allocated (or handed out again) while this scope was active */
  private born = new WeakSet<ArrayBuffer>();
  /** how many live values of the owner hold each born buffer */
  private readonly holders = new Map<ArrayBuffer, number>();
  /** the arrays given back during the current pass */
  private readonly returned = new Set<FloatArray>();
  /** the arrays allocated or handed out again during the current pass, in order (giveBackAllBut reads it) */
  private pass: FloatArray[] = [];
  /** arrays handed out again so far (tests and benchmarks read it) */
  reused = 0;

  /** A released array of `dtype` and length `n`, zeroed unless the caller overwrites every element (`zero` false). */
  take(dtype: Dtype, n: number, zero = true): FloatArray | null {
    const list = this.free.get(`${dtype}:${n}`);
    const a = list?.pop();
    if (!a) return null;
    if (zero) a.fill(0);
    this.born.add(a.buffer as ArrayBuffer);
    this.pass.push(a);
    this.reused++;
    return a;
  }

  noteBorn(a: FloatArray): void {
    this.born.add(a.buffer as ArrayBuffer);
    this.pass.push(a);
  }

  /**
   * Gives back every array of this pass not yet given back whose buffer is not in `keep`: the end of a forward whose
   * owner declared that it keeps nothing (Block.hybridize with staticAlloc), with `keep` holding the buffers of its
   * result and of its parameters.
   */
  giveBackAllBut(keep: ReadonlySet<ArrayBuffer>): void {
    for (const a of this.pass) {
      const b = a.buffer as ArrayBuffer;
      if (this.born.has(b) && !keep.has(b)) this.giveBack(a);
    }
  }

  /** A value of the owner now holds `a`'s buffer (a view counts: reshape shares its input's buffer). */
  hold(a: FloatArray): void {
    const b = a.buffer as ArrayBuffer;
    if (this.born.has(b)) this.holders.set(b, (this.holders.get(b) ?? 0) + 1);
  }

  /** A value holding `a`'s buffer is dead; the last one gives the whole buffer back. */
  release(a: FloatArray): void {
    const b = a.buffer as ArrayBuffer;
    const left = (this.holders.get(b) ?? 0) - 1;
    if (left > 0) {
      this.holders.set(b, left);
      return;
    }
    if (left < 0) return; // never held: not born here
    this.giveBack(a);
  }

  /**
   * Gives `a`'s whole buffer back at once, when its owner knows no live value shares it (Sequential: the previous
   * output, once the next layer's result is not a view of it); ignored for a buffer not born in this scope.
   */
  giveBack(a: FloatArray): void {
    const b = a.buffer as ArrayBuffer;
    if (!this.born.has(b)) return;
    this.holders.delete(b);
    this.born.delete(b);
    const whole = a instanceof Float32Array ? new Float32Array(b) : new Float64Array(b);
    const key = `${whole instanceof Float32Array ? "float32" : "float64"}:${whole.length}`;
    const list = this.free.get(key);
    if (list) list.push(whole);
    else this.free.set(key, [whole]);
    this.returned.add(whole);
  }

  /**
   * Ends a forward: values still held (the graph's outputs) stay with the caller; the arrays given back in this pass
   * stay for the next one, and older ones nobody took (another input shape's) are dropped, so a scope holds at most
   * one pass's intermediates.
   */
  endPass(): void {
    this.holders.clear();
    this.pass = [];
    this.born = new WeakSet();
    for (const [key, list] of this.free) {
      const kept = list.filter((a) => this.returned.has(a));
      if (kept.length > 0) this.free.set(key, kept);
      else this.free.delete(key);
    }
    this.returned.clear();
  }
}

let active: RecycleScope | null = null;

/** The scope `allocate` consults, or null. */
export function activeRecycleScope(): RecycleScope | null {
  return active;
}

/** Runs `f` with `scope` active (scopes nest: the previous one is restored, also on a throw). */
export function withRecycling<T>(scope: RecycleScope, f: () => T): T {
  const saved = active;
  active = scope;
  try {
    return f();
  } finally {
    active = saved;
    scope.endPass();
  }
}
