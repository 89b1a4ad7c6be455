// Kernel calls from an op: any failure (a size limit, an allocation the engine refused, a worker lost) becomes an Error naming the op.

/** Runs `fn` (a dispatch call) for `where`; a thrown Error or RangeError comes back as an Error whose message starts with `where:`. */
export function guarded<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw guardedError(where, e);
  }
}

/** What `guarded` throws for `e`; for per-call paths that catch themselves instead of allocating a closure for `guarded`. */
export function guardedError(where: string, e: unknown): unknown {
  if (e instanceof Error && e.message.startsWith(`${where}:`) && !(e instanceof RangeError)) return e;
  const text = e instanceof RangeError ? `could not allocate memory for the result (${e.message})` : e instanceof Error ? e.message : String(e);
  return new Error(`${where}: ${text}`, { cause: e });
}
