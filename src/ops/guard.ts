// Kernel calls from an op: any failure (a size limit, an allocation the engine refused, a worker lost) becomes an Error naming the op.

/** Runs `fn` (a dispatch call) for `where`; a thrown Error or RangeError comes back as an Error whose message starts with `where:`. */
export function guarded<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${where}:`) && !(e instanceof RangeError)) throw e;
    const text = e instanceof RangeError ? `could not allocate memory for the result (${e.message})` : e instanceof Error ? e.message : String(e);
    throw new Error(`${where}: ${text}`, { cause: e });
  }
}
