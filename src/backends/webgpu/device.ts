// WebGPU device acquisition (npx.initGpu) and error capture: every GPU op runs in error scopes that become Errors naming it.
import { type GpuLike, type InitGpuOptions, setGpuCount } from "../../context.js";

export type { GpuLike, InitGpuOptions };

/** The one device of the process and what went wrong on it since the last sync. */
export interface GpuState {
  /** the entry point it came from, kept alive: in Node, Dawn's instance dies with its `create([])` object */
  readonly gpu: GpuLike;
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  /** vendor / architecture / description as the adapter reports them (empty strings where it reports nothing) */
  readonly info: { vendor: string; architecture: string; device: string; description: string };
  /** set once the device is lost (destroyed, driver reset): every later op throws it */
  lost: Error | null;
  /** errors of ops already returned to the caller, reported at the next sync or read */
  errors: Error[];
  /** error-scope checks still in flight */
  pending: Set<Promise<void>>;
}

let state: GpuState | null = null;
let initializing: Promise<number> | null = null;

/**
 * Finds a WebGPU adapter and opens a device with the spec-default limits (the ones every browser guarantees: 8 storage
 * buffers, 128 MiB per binding, 16 KiB workgroup memory), so a kernel that runs here runs everywhere. Resolves to the
 * number of usable GPUs (0 or 1); never rejects because WebGPU is missing: npx.gpu() then says why.
 */
/** Loads the WebGPU backend's code and hands it to the dispatcher: set by dispatch.ts, which imports this file. */
let loadBackend: (() => Promise<void>) | null = null;

/** dispatch.ts's loader of src/backends/webgpu/backend.ts, run by initGpu once it has a device. */
export function setBackendLoader(load: () => Promise<void>): void {
  loadBackend = load;
}

export function initGpu(options: InitGpuOptions = {}): Promise<number> {
  if (state !== null && state.lost === null) return Promise.resolve(1);
  initializing ??= acquire(options).finally(() => (initializing = null));
  return initializing;
}

async function acquire(options: InitGpuOptions): Promise<number> {
  const none = (reason: string): number => {
    state = null;
    setGpuCount(0, reason);
    return 0;
  };
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (gpu === undefined || gpu === null)
    return none(
      "WebGPU is not available here (navigator.gpu is undefined: a browser needs WebGPU enabled and a secure origin; in Node pass initGpu({ gpu: create([]) }) from the npm package 'webgpu')",
    );
  let adapter: GPUAdapter | null;
  try {
    adapter = (await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined)) as GPUAdapter | null;
  } catch (e) {
    return none(`requestAdapter() failed: ${(e as Error).message}`);
  }
  if (adapter === null || adapter === undefined)
    return none("requestAdapter() returned no adapter (WebGPU is present but no GPU or software adapter is usable)");
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice();
  } catch (e) {
    return none(`requestDevice() failed: ${(e as Error).message}`);
  }
  const ai = adapter.info as Partial<GPUAdapterInfo> | undefined;
  const s: GpuState = {
    gpu,
    device,
    adapter,
    lost: null,
    errors: [],
    pending: new Set(),
    info: { vendor: ai?.vendor ?? "", architecture: ai?.architecture ?? "", device: ai?.device ?? "", description: ai?.description ?? "" },
  };
  state = s;
  void device.lost.then((info) => {
    s.lost = new Error(`the WebGPU device was lost (${info.reason ?? "unknown"}): ${info.message}`);
    if (state === s) setGpuCount(0, s.lost.message);
  });
  // errors outside any op's error scopes (there should be none): kept and reported at the next sync
  device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
    s.errors.push(new Error(`WebGPU uncaptured ${ev.error.constructor.name}: ${ev.error.message}`));
  };
  // the backend's code loads only now: a page that never asks for a GPU does not ship it (see dispatch.ts)
  try {
    await loadBackend?.();
  } catch (e) {
    device.destroy();
    return none(`the WebGPU backend's code could not be loaded: ${(e as Error).message}`);
  }
  setGpuCount(1, "");
  return 1;
}

/** The live device state, or a clear Error naming `op` (no initGpu, no GPU, device lost). */
export function gpuState(op: string): GpuState {
  if (state === null) throw new Error(`${op}: no WebGPU device: await npx.initGpu() first (it found none or was not called)`);
  if (state.lost !== null) throw new Error(`${op}: ${state.lost.message}`);
  return state;
}

/** The adapter's description, for benchmarks and skip messages (null without a device). */
export function gpuInfo(): GpuState["info"] | null {
  return state?.info ?? null;
}

const SCOPES: GPUErrorFilter[] = ["validation", "out-of-memory", "internal"];

/**
 * Runs `body` (which encodes and submits GPU work) inside validation / out-of-memory / internal error scopes. The work
 * is queued and this returns at once; an error the device reports later is kept and thrown, naming `op`, by the next
 * syncGpu() or readback. A synchronous throw from `body` (a bad argument) propagates at once.
 */
export function gpuOp<T>(op: string, body: (device: GPUDevice) => T): T {
  const s = gpuState(op);
  const d = s.device;
  for (const f of SCOPES) d.pushErrorScope(f);
  try {
    return body(d);
  } finally {
    // popped in reverse: internal, out-of-memory, validation
    const pops = [d.popErrorScope(), d.popErrorScope(), d.popErrorScope()];
    const p: Promise<void> = Promise.all(pops).then(
      (errs) => {
        errs.forEach((e, i) => {
          if (e) s.errors.push(new Error(`${op}: WebGPU ${SCOPES[2 - i]} error: ${e.message}`));
        });
      },
      (e: unknown) => void s.errors.push(new Error(`${op}: ${(e as Error).message}`)),
    );
    s.pending.add(p);
    void p.finally(() => s.pending.delete(p));
  }
}

/**
 * Awaits a WebGPU promise with a timer pending: in Node, Dawn's mapAsync / onSubmittedWorkDone do not hold the event
 * loop open, so a process (or a test) that only waits for the GPU would exit before the promise settles.
 */
export async function keepAlive<T>(p: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Waits for all queued GPU work (MXNet's waitall) and throws the first error any op reported since the last sync
 * (then forgets them all), or the device loss.
 */
export async function syncGpu(op = "npx.waitAll"): Promise<void> {
  const s = gpuState(op);
  await keepAlive(s.device.queue.onSubmittedWorkDone());
  await keepAlive(Promise.all([...s.pending]));
  throwReported(s);
}

/** Throws (and clears) the errors reported so far, or the loss of the device. */
export function throwReported(s: GpuState): void {
  if (s.errors.length > 0) {
    const [first, ...rest] = s.errors;
    s.errors = [];
    if (rest.length > 0) first!.message += ` (and ${rest.length} later error(s): ${rest.map((e) => e.message).join("; ")})`;
    throw first!;
  }
  if (s.lost !== null) throw s.lost;
}

/** Destroys the device (tests, and processes that must exit: Dawn keeps Node alive while a device exists). */
export function destroyGpu(): void {
  const s = state;
  state = null;
  setGpuCount(0, "the WebGPU device was destroyed (destroyGpu); await npx.initGpu() again");
  s?.device.destroy();
}
