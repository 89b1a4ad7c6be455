// A tiny Web Worker stand-in built on node:worker_threads, enough for
// @jax-js/jax's wasm worker pool (blob: URL source, self.onmessage,
// postMessage, worker.onmessage / onerror). Node 20 has no global `Worker`
// (nor `navigator`), so without this jax-js runs its wasm kernels on the main
// thread only. Installed only in the bench child process that runs jax-js.
import { Worker as NodeWorker } from "node:worker_threads";
import { resolveObjectURL } from "node:buffer";

const BOOTSTRAP = `
const { parentPort, workerData } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.on("message", (data) => { if (typeof self.onmessage === "function") self.onmessage({ data }); });
(0, eval)(workerData);
`;

class WebWorkerShim {
  #worker = null;
  #queue = [];
  #terminated = false;
  onmessage = null;
  onerror = null;
  constructor(url) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`web-worker-shim: only blob: URLs are supported (got ${url})`);
    blob.text().then((source) => {
      if (this.#terminated) return;
      const w = new NodeWorker(BOOTSTRAP, { eval: true, workerData: source });
      w.on("message", (data) => this.onmessage?.({ data }));
      w.on("error", (e) => this.onerror?.({ message: String(e?.message ?? e) }));
      this.#worker = w;
      for (const m of this.#queue) w.postMessage(m);
      this.#queue = [];
    });
  }
  postMessage(msg) {
    if (this.#worker) this.#worker.postMessage(msg);
    else this.#queue.push(msg);
  }
  terminate() {
    this.#terminated = true;
    this.#worker?.terminate();
  }
}

/** Install the shim: `Worker` global and `navigator.hardwareConcurrency = threads`. */
export function installWebWorkerShim(threads) {
  globalThis.Worker = WebWorkerShim;
  const nav = globalThis.navigator ?? {};
  try {
    Object.defineProperty(nav, "hardwareConcurrency", { value: threads, configurable: true });
  } catch {
    /* ignore */
  }
  if (!globalThis.navigator) globalThis.navigator = nav;
}
