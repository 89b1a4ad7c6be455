// The wasm module, its one shared memory and the per-call arena (bump allocation, growth, the 4 GiB limit).
import { kernelsRelaxedPatch, kernelsRelaxedWasmSharedFlagAt, kernelsWasmSharedFlagAt, kernelsWasmTable, kernelsWasmText } from "./kernels-wasm.generated.js";
import { applyPatch, decodeWasmText } from "./module-bytes.js";

/** Which compiled variant runs: relaxed SIMD (f32x4.relaxed_madd in the GEMM micro-kernel) or plain SIMD128. */
export type WasmBuild = "relaxed-simd" | "simd128";

/**
 * A 1-function module whose body is v128.const ×3, f32x4.relaxed_madd (0xfd 0x85 0x02), drop: valid exactly where the
 * engine supports relaxed SIMD (Chromium 114+, Node 22+, Node 20 with --experimental-wasm-relaxed-simd).
 */
function relaxedProbe(): Uint8Array {
  const c = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...c, ...c, ...c, 0xfd, 0x85, 0x02, 0x1a, 0x0b];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]);
}

/** True when this engine validates relaxed-SIMD code (checked each time: a V8 flag may be set at run time). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(relaxedProbe() as BufferSource);
  } catch {
    return false;
  }
}
import { formatBytes } from "../../params/sizes.js";
import { warnOnce } from "../../warnings.js";

export interface KernelExports {
  run_queue(queue: number, scratch: number): number;
  all_finite(p: number, n: number): number;
  /** assembly/norm.ts: float32 data, float64 sums and affine pass (bit for bit fused/run-sums.ts's loops) */
  norm_sum(p: number, n: number): number;
  norm_squares(p: number, n: number, mu: number): number;
  norm_affine(x: number, y: number, n: number, a: number, b: number): void;
  /** assembly/residual.ts: dst += res over n floats (float32 adds) */
  add_residual(dst: number, res: number, n: number): void;
  /** assembly/binary.ts: float32 add (0), sub (1), mul (2) or div (3) over rows */
  binary_rows(op: number, outer: number, inner: number, o: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number): void;
  run_task(job: number, n0: number, nc: number, scratch: number, cOff: number): void;
  pack_a(
    dst: number,
    M: number,
    K: number,
    w: number,
    rowStride: number,
    chanStride: number,
    T0: number,
    T1: number,
    T2: number,
    L0: number,
    L1: number,
    L2: number,
  ): void;
}

const PAGE = 65536;
/** wasm32 addresses end at 4 GiB = 65536 pages (the module is built with that maximum). */
/** [0, 64 KiB): control block of the thread pool (CTRL_BYTE) and nothing else; the arena starts after it. */
export const CTRL_BYTE = 1024;
const ARENA_BASE = PAGE;

/**
 * The module's bytes: the embedded SIMD128 module, patched into the relaxed-SIMD one when `relaxed` (module-bytes.ts).
 * For plain memory the memory import's limits flag goes from 0x03 (shared) to 0x01: scripts/build-wasm.mjs checks that
 * this is the only byte the plain builds differ in.
 */
export function moduleBytes(relaxed: boolean, shared: boolean): Uint8Array {
  const base = decodeWasmText(kernelsWasmText, kernelsWasmTable);
  const p = kernelsRelaxedPatch;
  const out = relaxed ? applyPatch(base, p.at, p.remove, decodeWasmText(p.insert, kernelsWasmTable)) : base;
  if (!shared && out.length > 0) out[relaxed ? kernelsRelaxedWasmSharedFlagAt : kernelsWasmSharedFlagAt] = 0x01;
  return out;
}

export class WasmRuntime {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** largest byte count the memory may reach (4 GiB unless the engine refused that maximum) */
  readonly maxBytes: number;
  private f32: Float32Array;
  private u32: Uint32Array;
  private i32: Int32Array;
  private end = ARENA_BASE;
  /** false where shared memory is unavailable (a browser page without cross-origin isolation): one thread only */
  readonly shared: boolean;

  /** the compiled variant this runtime runs */
  readonly build: WasmBuild;

  /**
   * `preferShared: false` builds the plain-memory variant (tests use it to cover that path in Node); `build` picks the
   * variant (default: relaxed SIMD where the engine validates it, else SIMD128).
   */
  constructor(preferShared = true, build: WasmBuild = relaxedSimdSupported() ? "relaxed-simd" : "simd128") {
    const made = (preferShared && createMemory(true)) || createMemory(false);
    if (!made) throw new Error("wasm backend: this engine could not create a WebAssembly memory");
    this.shared = made.shared;
    this.maxBytes = made.maxBytes;
    const memory = made.memory;
    if (build === "relaxed-simd" && !relaxedSimdSupported())
      throw new Error("wasm backend: this engine does not support relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)");
    this.build = build;
    const relaxed = build === "relaxed-simd";
    const bytes = moduleBytes(relaxed, this.shared);
    this.module = new WebAssembly.Module(bytes as BufferSource);
    this.memory = memory;
    this.exports = new WebAssembly.Instance(this.module, { env: { memory } }).exports as unknown as KernelExports;
    this.f32 = new Float32Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Starts a call: the arena is empty again (everything from a previous call, even a failed one, is dropped). */
  reset(): void {
    this.end = ARENA_BASE;
  }

  /** Reserves `bytes` (64-byte aligned) and returns the byte address; memory is grown later by commit(). */
  reserve(bytes: number): number {
    const at = this.end;
    this.end = at + Math.ceil(bytes / 64) * 64;
    return at;
  }

  /**
   * Throws an Error naming the size when the reservations so far exceed the memory's maximum: planners call it once the
   * operands are reserved, before building any task list, and commit() calls it with everything reserved.
   */
  checkLimit(what: string): void {
    const need = this.end;
    if (need > this.maxBytes) {
      this.reset();
      throw this.tooLarge(what, need);
    }
  }

  /** Throws an Error naming the size when `bytes` of operands (above the reserved low 64 KiB) cannot fit at all. */
  checkBytes(what: string, bytes: number): void {
    if (ARENA_BASE + bytes > this.maxBytes) throw this.tooLarge(what, ARENA_BASE + bytes);
  }

  private tooLarge(what: string, need: number): Error {
    return new Error(`${what} needs ${formatBytes(need)}, more than the ${formatBytes(this.maxBytes)} of wasm memory`);
  }

  /** Grows the memory to hold every reservation, or throws an Error naming the size (the runtime stays usable). */
  commit(what: string): void {
    this.checkLimit(what);
    const need = this.end;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      try {
        this.memory.grow(Math.ceil((need - have) / PAGE));
      } catch (e) {
        this.reset();
        throw new Error(`${what} could not grow WebAssembly memory to ${formatBytes(need)} (${(e as Error).message})`);
      }
    }
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) {
      // a grown shared memory hands out a new, longer SharedArrayBuffer object
      this.f32 = new Float32Array(this.memory.buffer);
      this.u32 = new Uint32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }

  get F32(): Float32Array {
    return this.f32;
  }
  get U32(): Uint32Array {
    return this.u32;
  }
  get I32(): Int32Array {
    return this.i32;
  }
}

/** A 4 GiB-maximum memory, or 1 GiB where the engine cannot reserve that much address space; null if neither works. */
function createMemory(shared: boolean): { memory: WebAssembly.Memory; maxBytes: number; shared: boolean } | null {
  for (const pages of [65536, 16384]) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 256, maximum: pages, shared }), maxBytes: pages * PAGE, shared };
    } catch {
      // shared memory needs SharedArrayBuffer (cross-origin isolation in browsers); try the next option
    }
  }
  return null;
}

let rt: WasmRuntime | null = null;
/** Test hook: a runtime to use from the next call on (e.g. `new WasmRuntime(false)`), or null to create a fresh one. */
export const runtimeHooks: { nextRuntime: WasmRuntime | null | undefined } = { nextRuntime: undefined };

/** The process-wide runtime, created on first use (or the one runtimeHooks.nextRuntime hands over). */
export function runtime(): WasmRuntime {
  if (runtimeHooks.nextRuntime !== undefined) {
    rt = runtimeHooks.nextRuntime;
    runtimeHooks.nextRuntime = undefined;
  }
  return (rt ??= new WasmRuntime());
}

let refused: string | null = null;
/**
 * Whether the wasm kernels can run here: false once creating the runtime failed (a Content-Security-Policy without
 * 'wasm-unsafe-eval' refuses to compile WebAssembly), and the dispatcher then runs the JavaScript kernels. The first
 * failure is reported once as the warning "wasm-unavailable".
 */
export function wasmUsable(): boolean {
  if (refused !== null) return false;
  if (rt !== null || runtimeHooks.nextRuntime !== undefined) return true;
  try {
    runtime();
    return true;
  } catch (e) {
    refused = e instanceof Error ? e.message : String(e);
    warnOnce(
      "wasm-unavailable",
      `WebAssembly is unavailable here (${refused}); tconv runs its JavaScript kernels instead, which are slower. Under a Content-Security-Policy, add 'wasm-unsafe-eval' to script-src to use the WebAssembly kernels.`,
    );
    return false;
  }
}

let solo: WasmRuntime | null = null;
let soloFor: WasmRuntime | null = null;

/**
 * The runtime of calls that run on one thread: a second runtime with a plain (unshared) memory, where the process-wide
 * one's memory is shared. V8 copies into and out of a SharedArrayBuffer with relaxed atomics, 2–4× slower than a plain
 * copy (measured: 1 MiB in 232 against 115 µs, 256 KiB in 67 against 25 µs), and every call copies its operands in and
 * its result out. Same compiled variant as the process-wide runtime, so a call gives the same bits either way. Where
 * the process-wide memory is plain, or a second memory cannot be made, it is the process-wide runtime.
 */
export function soloRuntime(): WasmRuntime {
  const main = runtime();
  if (!main.shared) return main;
  if (soloFor !== main) {
    soloFor = main;
    try {
      solo = new WasmRuntime(false, main.build);
    } catch {
      solo = null;
    }
  }
  return solo ?? main;
}

/** Forgets the process-wide runtime (releaseMemory): the next call creates a fresh one with a small memory. */
export function dropRuntime(): void {
  rt = null;
  solo = soloFor = null;
}

/** The variant the process-wide runtime runs (creates the runtime): the bench reports it. */
export function wasmBuild(): WasmBuild {
  return runtime().build;
}
