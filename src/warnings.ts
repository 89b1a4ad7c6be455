// tconv's warning channel: each warning code is reported once per process, to a handler the user can replace or silence.

/**
 * Codes: "checkerboard" (a transposed layer whose kernel size is not divisible by its stride), "wasm-unavailable"
 * (WebAssembly could not be compiled, e.g. under a Content-Security-Policy without 'wasm-unsafe-eval': the JavaScript
 * kernels run instead).
 */
export type WarningCode = "checkerboard" | "wasm-unavailable";
export interface TconvWarning {
  readonly code: WarningCode;
  readonly message: string;
}
export type WarningHandler = (warning: TconvWarning) => void;

const CODES: readonly WarningCode[] = ["checkerboard", "wasm-unavailable"];

/** Node: process.emitWarning (type "TconvWarning", code "TCONV_CHECKERBOARD" / "TCONV_WASM_UNAVAILABLE", so `--no-warnings` also hides it); elsewhere console.warn. */
const defaultHandler: WarningHandler = (w) => {
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: { type: string; code: string }) => void } }).process;
  if (proc && typeof proc.emitWarning === "function")
    proc.emitWarning(w.message, { type: "TconvWarning", code: `TCONV_${w.code.toUpperCase().replace(/-/g, "_")}` });
  else console.warn(`TconvWarning [${w.code}]: ${w.message}`);
};

let handler: WarningHandler = defaultHandler;
const emitted = new Set<WarningCode>();
const silenced = new Set<WarningCode>();

function checkCode(where: string, code: unknown): WarningCode {
  if (!CODES.includes(code as WarningCode))
    throw new Error(`warnings.${where}: unknown warning code ${JSON.stringify(code)}; codes are ${CODES.map((c) => `"${c}"`).join(", ")}`);
  return code as WarningCode;
}

/** True when a warning of `code` would still be reported (not yet in this process, not silenced): skip building its message otherwise. */
export function wouldWarn(code: WarningCode): boolean {
  return !emitted.has(code) && !silenced.has(code);
}

/** Reports `message` under `code` unless that code was already reported in this process or is silenced. */
export function warnOnce(code: WarningCode, message: string): void {
  if (emitted.has(code) || silenced.has(code)) return;
  emitted.add(code);
  handler({ code, message });
}

/** tconv's one-time warnings (checkerboard kernels, the JS fallback, …): silence, unsilence, setHandler, reset. */
export const warnings = {
  /** Stops the warnings of `code` (every code when omitted). */
  silence(code?: WarningCode): void {
    for (const c of code === undefined ? CODES : [checkCode("silence", code)]) silenced.add(c);
  },
  /** Lets the warnings of `code` (every code when omitted) through again. */
  unsilence(code?: WarningCode): void {
    for (const c of code === undefined ? CODES : [checkCode("unsilence", code)]) silenced.delete(c);
  },
  /** Routes warnings to `fn` (e.g. a logger); null restores the default (process.emitWarning / console.warn). */
  setHandler(fn: WarningHandler | null): void {
    if (fn !== null && typeof fn !== "function") throw new Error(`warnings.setHandler: expects a function or null, got ${typeof fn}`);
    handler = fn ?? defaultHandler;
  },
  /** Forgets which codes were reported, so each can be reported once more (for tests). */
  reset(): void {
    emitted.clear();
  },
};
