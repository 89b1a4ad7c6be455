// The explorer's train panel: the demo's DCGAN (examples/dcgan-*.ts) trained in the page in slices between frames.
import { maxThreads, npx, setNumThreads, nn, type ImageDataLike, type NDArray } from "tconv";
import { DCGANPair, levels, resizeGenerator } from "../../examples/dcgan-nets.js";
import { DCGANSteps, FIXED_NOISE_KEY, buildNets, noise, type Architecture, type Nets, type RunConfig } from "../../examples/dcgan-train.js";
import { sampleGrid } from "../../examples/sample-grid.js";
import { lossPlotSVG, type LossHistory } from "../../examples/loss-plot.js";
import { defaultState, stateToQuery } from "./state.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
/** Read before main.ts rewrites the address with the explorer's own state. */
const QUERY = new URLSearchParams(location.search);
const REDUCED_MOTION = matchMedia("(prefers-reduced-motion: reduce)");

/** The demo's defaults (examples/dcgan.ts), overridable from the address: tsize, twidth, tlatent, tdata, tbatch, tlr, tseed. */
function num(key: string, fallback: number): number {
  const v = QUERY.get(key);
  const n = v === null || v.trim() === "" ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}
const URL_ARCH: Architecture = { imageSize: num("tsize", 16), width: num("twidth", 32), latentDim: num("tlatent", 100) };
const URL_CONFIG: RunConfig = { seed: num("tseed", 0), datasetSize: num("tdata", 4096), batchSize: num("tbatch", 32), learningRate: num("tlr", 0.001) };
/** pause by itself once this step is reached (0: never) */
const STOP_AT = num("tstop", 0);
/** fixed-noise samples in the grid (a square number draws a square) */
const SAMPLES = 16;

/** One GAN being trained: the nets and their loss history. */
interface Gan {
  nets: Nets;
  history: LossHistory;
  sums: { lossD: number; lossG: number; count: number };
  /** steps this GAN has trained (the resize GAN starts when it is switched on) */
  trained: number;
}

interface Run {
  arch: Architecture;
  config: RunConfig;
  steps: DCGANSteps;
  fixedZ: NDArray;
  /** the next step to train; batch (step mod perEpoch) of epoch ⌊step / perEpoch⌋ */
  step: number;
  book: Gan;
  resize: Gan | null;
}

/** made by ensureRun() (when the panel comes near the viewport or is first used) */
let run!: Run;
let made = false;
let running = false;
/** durations of the last steps (ms) and the examples each trained */
const recent: [ms: number, examples: number][] = [];
let layerIndex = -1;

function checkArch(a: Architecture, c: RunConfig): void {
  levels(a.imageSize);
  for (const [k, v, min] of [
    ["width", a.width, 1],
    ["latentDim", a.latentDim, 1],
    ["seed", c.seed, 0],
    ["datasetSize", c.datasetSize, 1],
    ["batchSize", c.batchSize, 2],
  ] as const)
    if (!Number.isInteger(v) || v < min) throw new Error(`train: ${k}=${v} must be an integer >= ${min}`);
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) throw new Error(`train: learningRate=${c.learningRate} must be a positive number`);
  if (c.datasetSize < c.batchSize) throw new Error(`train: datasetSize=${c.datasetSize} must be at least batchSize=${c.batchSize}`);
}

/** A toggle button's state (aria-pressed). */
const pressed = (id: string) => $(id).getAttribute("aria-pressed") === "true";
function toggle(id: string, then: () => void): void {
  $(id).addEventListener("click", () => {
    $(id).setAttribute("aria-pressed", String(!pressed(id)));
    then();
  });
}

const emptyGan = (nets: Nets): Gan => ({ nets, history: { batches: [], epochs: [] }, sums: { lossD: 0, lossG: 0, count: 0 }, trained: 0 });

function newRun(arch: Architecture, config: RunConfig): Run {
  checkArch(arch, config);
  const book = emptyGan(buildNets(arch, config));
  const resize = pressed("train-resize") ? emptyGan(buildNets(arch, config, resizeGenerator)) : null;
  return { arch, config, steps: new DCGANSteps(arch, config), fixedZ: noise(SAMPLES, arch.latentDim, config.seed, FIXED_NOISE_KEY), step: 0, book, resize };
}

/** Trains one step of each GAN on the same batch and noise. */
function trainStep(): void {
  const { steps, config } = run;
  const e = Math.floor(run.step / steps.perEpoch);
  const k = run.step % steps.perEpoch;
  const B = config.batchSize;
  const t0 = performance.now();
  for (const gan of run.resize ? [run.book, run.resize] : [run.book]) {
    const [lD, lG] = steps.step(gan.nets, e, k);
    if (!Number.isFinite(lD) || !Number.isFinite(lG))
      throw new Error(`training diverged at step ${run.step}: loss_D ${lD / B}, loss_G ${lG / B}; Reset, or load a checkpoint`);
    gan.history.batches.push([e + (k + 1) / steps.perEpoch, lD / B, lG / B]);
    gan.sums.lossD += lD;
    gan.sums.lossG += lG;
    gan.sums.count += B;
    if (k + 1 === steps.perEpoch) {
      gan.history.epochs.push([e + 1, gan.sums.lossD / gan.sums.count, gan.sums.lossG / gan.sums.count]);
      gan.sums = { lossD: 0, lossG: 0, count: 0 };
    }
    gan.trained++;
  }
  run.step++;
  recent.push([performance.now() - t0, B * (run.resize ? 2 : 1)]);
  if (recent.length > 20) recent.shift();
}

// ---- the loop: one step per task, so input, paint and the Pause button get their turn between steps ----------------
const channel = new MessageChannel();
let wake: (() => void) | null = null;
channel.port1.onmessage = () => wake?.();
const nextTask = () => new Promise<void>((r) => ((wake = r), channel.port2.postMessage(0)));

function every(): number {
  const n = Number($<HTMLSelectElement>("train-every").value);
  // reduced motion: the pictures change at most every 25 steps while training (and on pause)
  return REDUCED_MOTION.matches ? Math.max(n, 25) : n;
}

/** Which loop is current: a Pause then Start between two steps must not leave the old loop running beside the new one. */
let generation = 0;

async function loop(mine: number): Promise<void> {
  while (running && mine === generation) {
    try {
      trainStep();
    } catch (e) {
      showError(e);
      setRunning(false);
      break;
    }
    renderStatus();
    if (run.step % every() === 0) renderPictures();
    if (STOP_AT > 0 && run.step >= STOP_AT) {
      setRunning(false);
      break;
    }
    await nextTask();
  }
  if (mine === generation) renderPictures();
}

function setRunning(on: boolean): void {
  const was = running;
  running = on;
  $<HTMLButtonElement>("train-start").disabled = on;
  $<HTMLButtonElement>("train-pause").disabled = !on;
  $("train").dataset.running = String(on);
  if (on && !was) {
    recent.length = 0;
    showError(null);
    void loop(++generation);
  }
}

// ---- views -------------------------------------------------------------------------------------------------------
function showError(e: unknown): void {
  const box = $("train-error");
  box.hidden = e === null;
  box.textContent = e === null ? "" : e instanceof Error ? e.message : String(e);
}

function renderStatus(): void {
  $("train-step").textContent = `step ${run.step}`;
  const { steps, config, arch } = run;
  const last = run.book.history.batches.at(-1);
  const ms = recent.reduce((s, r) => s + r[0], 0);
  const ex = recent.reduce((s, r) => s + r[1], 0);
  const speed = ms > 0 ? `${((ex * 1000) / ms).toFixed(1)} examples/s (${((recent.length * 1000) / ms).toFixed(2)} steps/s)` : "– examples/s";
  $("train-stats").textContent =
    `epoch ${Math.floor(run.step / steps.perEpoch) + 1}, batch ${(run.step % steps.perEpoch) + 1}/${steps.perEpoch} · ` +
    (last ? `loss_D ${last[1].toFixed(3)}, loss_G ${last[2].toFixed(3)} · ` : "") +
    `${speed} · ${arch.imageSize}×${arch.imageSize}, width ${arch.width}, batch ${config.batchSize}, ${config.datasetSize} shapes, seed ${config.seed}`;
}

function paintInto(canvas: HTMLCanvasElement, img: ImageDataLike): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

function renderPictures(): void {
  const zoom = Math.max(1, Math.round(64 / run.arch.imageSize));
  const cols = Math.ceil(Math.sqrt(SAMPLES));
  paintInto($("train-samples"), sampleGrid(run.book.nets.generator.forward(run.fixedZ), cols, zoom));
  $("train-samples-cap").textContent = `Conv2DTranspose generator (the book's), ${run.book.trained} steps`;
  $("train-resize-fig").hidden = !run.resize;
  if (run.resize) {
    paintInto($("train-samples-resize"), sampleGrid(run.resize.nets.generator.forward(run.fixedZ), cols, zoom));
    $("train-samples-resize").nextElementSibling!.textContent = `resize-convolution generator (nn.Upsample + Conv2D), ${run.resize.trained} steps`;
  }
  $("train-loss").innerHTML =
    lossPlotSVG(run.book.history, "Conv2DTranspose GAN") + (run.resize ? lossPlotSVG(run.resize.history, "resize-convolution GAN") : "");
  renderLayer();
}

/** The children of a top-level generator layer, flattened (a block is a Sequential of layers). */
const partsOf = (b: nn.Block): nn.Block[] => (b instanceof nn.Sequential ? Array.from({ length: b.length }, (_, i) => b.at(i)) : [b]);
const isTransposed = (b: nn.Block): b is nn.Conv2DTranspose => b instanceof nn.Conv2DTranspose;

function layerLabel(b: nn.Block): string {
  return partsOf(b)
    .map((p) => {
      if (p instanceof nn.Conv2DTranspose || p instanceof nn.Conv2D) {
        const o = p.options as { kernelSize: number; strides?: number; padding?: number };
        return `${p instanceof nn.Conv2D ? "Conv2D" : "Conv2DTranspose"}(k${o.kernelSize} s${o.strides ?? 1} p${o.padding ?? 0})`;
      }
      if (p instanceof nn.Upsample) return "Upsample ×2";
      if (p instanceof nn.BatchNorm) return "BatchNorm";
      if (p instanceof nn.Activation) return p.name;
      return "layer";
    })
    .join(" → ");
}

/** The outputs of net.at(0) … net.at(last) for the first fixed noise vector [1, latentDim, 1, 1] (inference mode). */
export function layerOutputs(net: nn.Sequential, z: NDArray, last: number): NDArray[] {
  const out: NDArray[] = [];
  let x = z;
  for (let i = 0; i <= last; i++) out.push((x = net.at(i).forward(x) as NDArray));
  return out;
}

function buildLayerSelect(): void {
  const net = run.book.nets.generator;
  const sel = $<HTMLSelectElement>("train-layer");
  const shapes = layerOutputs(net, run.fixedZ.at("0:1"), net.length - 1).map((y) => y.shape);
  sel.innerHTML = "";
  for (let i = 0; i < net.length; i++) {
    const o = document.createElement("option");
    o.value = String(i);
    o.textContent = `${i}: ${layerLabel(net.at(i))} → [${shapes[i]!.slice(1).join(", ")}]`;
    sel.append(o);
  }
  if (layerIndex < 0 || layerIndex >= net.length) layerIndex = 0;
  sel.value = String(layerIndex);
}

/** Overlap counts of the transposed convolution inside top-level layer i (for its input's spatial size), or null. */
function overlapOf(net: nn.Sequential, i: number, inputShape: readonly number[]): NDArray | null {
  const t = partsOf(net.at(i)).find(isTransposed);
  return t ? t.overlapCount(inputShape.slice(2)) : null;
}

function renderLayer(): void {
  const net = run.book.nets.generator;
  const z = run.fixedZ.at("0:1");
  const outs = layerOutputs(net, z, layerIndex);
  const y = outs[layerIndex]!;
  const [, C, H, W] = y.shape as [number, number, number, number];
  const counts = pressed("train-overlay") ? overlapOf(net, layerIndex, layerIndex === 0 ? z.shape : outs[layerIndex - 1]!.shape) : null;
  const cnt = counts?.asTypedArray();
  let cMin = Infinity,
    cMax = -Infinity;
  if (cnt) for (const v of cnt) (cMin = Math.min(cMin, v)), (cMax = Math.max(cMax, v));
  const cols = Math.min(C, Math.ceil(Math.sqrt(C)));
  const zoom = Math.max(2, Math.round(48 / Math.max(H, W)));
  const gap = 2;
  const cw = W * zoom + gap,
    ch = H * zoom + gap;
  const width = cols * cw + gap,
    height = Math.ceil(C / cols) * ch + gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  const v = y.asTypedArray();
  for (let c = 0; c < C; c++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let p = 0; p < H * W; p++) (lo = Math.min(lo, v[c * H * W + p]!)), (hi = Math.max(hi, v[c * H * W + p]!));
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const x0 = gap + (c % cols) * cw,
      y0 = gap + Math.floor(c / cols) * ch;
    for (let yy = 0; yy < H * zoom; yy++)
      for (let xx = 0; xx < W * zoom; xx++) {
        const p = Math.floor(yy / zoom) * W + Math.floor(xx / zoom);
        const g = (v[c * H * W + p]! - lo) * scale;
        const o = ((y0 + yy) * width + x0 + xx) * 4;
        // overlay: orange in proportion to the overlap count's place between its min and max
        const a = cnt && cMax > cMin ? (0.55 * (cnt[p]! - cMin)) / (cMax - cMin) : 0;
        data[o] = g * (1 - a) + 245 * a;
        data[o + 1] = g * (1 - a) + 130 * a;
        data[o + 2] = g * (1 - a) + 20 * a;
        data[o + 3] = 255;
      }
  }
  paintInto($("train-maps"), { data, width, height });
  $("train-layer-cap").textContent =
    `${C} feature map${C === 1 ? "" : "s"} of ${H}×${W} for the first fixed noise vector, each scaled to its own min…max (black…white)` +
    (cnt ? `; orange: overlap count ${cMin}…${cMax}` : pressed("train-overlay") ? "; this layer has no transposed convolution" : "") +
    ".";
}

/** One overlap-count map per transposed layer, each linking to the explorer's phase view for its kernel, stride and padding. */
function renderOverlaps(): void {
  const net = run.book.nets.generator;
  const outs = layerOutputs(net, run.fixedZ.at("0:1"), net.length - 1);
  const box = $("train-overlaps");
  box.innerHTML = "";
  for (let i = 0; i < net.length; i++) {
    const t = partsOf(net.at(i)).find(isTransposed);
    if (!t) continue;
    const inShape = i === 0 ? run.fixedZ.shape : outs[i - 1]!.shape;
    const counts = t.overlapCount(inShape.slice(2));
    const [H, W] = counts.shape as [number, number];
    const c = counts.asTypedArray();
    const lo = Math.min(...c),
      hi = Math.max(...c);
    const zoom = Math.max(2, Math.round(64 / Math.max(H, W)));
    const data = new Uint8ClampedArray(W * zoom * H * zoom * 4);
    for (let y = 0; y < H * zoom; y++)
      for (let x = 0; x < W * zoom; x++) {
        const g = hi > lo ? (c[Math.floor(y / zoom) * W + Math.floor(x / zoom)]! - lo) / (hi - lo) : 1;
        const o = (y * W * zoom + x) * 4;
        data.set([255 - 10 * g, 255 - 125 * g, 255 - 235 * g, 255], o);
      }
    const o = t.options as { kernelSize: number; strides?: number; padding?: number };
    const [k, s, p] = [o.kernelSize, o.strides ?? 1, o.padding ?? 0];
    const ones = (n: number) => Array.from({ length: n }, () => new Array<number>(n).fill(1));
    const q = stateToQuery({ ...defaultState(), x: ones(3), k: ones(k), strides: s, padding: p });
    const fig = document.createElement("figure");
    const canvas = document.createElement("canvas");
    paintInto(canvas, { data, width: W * zoom, height: H * zoom });
    const interior = H > 2 * k && W > 2 * k ? c[k * W + k] : undefined;
    fig.append(canvas);
    const cap = document.createElement("figcaption");
    cap.innerHTML =
      `layer ${i}: k${k} s${s} p${p}, [${inShape.slice(2).join("×")}] → [${H}×${W}], counts ${lo}…${hi}` +
      (interior !== undefined ? ` (${interior} inside)` : "") +
      ` · <a href="?${q}#phases" target="_blank" rel="noopener">phase view</a>`;
    fig.append(cap);
    box.append(fig);
  }
}

function renderAll(): void {
  renderStatus();
  buildLayerSelect();
  renderPictures();
  renderOverlaps();
}

// ---- checkpoints -------------------------------------------------------------------------------------------------
const pairOf = (g: Gan) => new DCGANPair(g.nets.generator, g.nets.discriminator);

function download(): void {
  const bytes = pairOf(run.book).saveParametersToBytes({ names: "pytorch" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: "application/octet-stream" }));
  a.download = `tconv-dcgan-step-${run.step}.safetensors`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

interface DemoProgress {
  architecture: Architecture;
  config: RunConfig;
  epoch: number;
  batch: number;
  sums: Gan["sums"];
  history: LossHistory;
}

/**
 * Loads a page checkpoint (one .safetensors with generator.* and discriminator.*) or the demo's checkpoint files
 * (generator.safetensors, discriminator.safetensors, trainer-g.states, trainer-d.states, progress.json). Everything
 * is loaded into new nets first: a file that does not fit leaves the run as it was.
 */
async function upload(files: File[]): Promise<void> {
  const read = async (f: File) => new Uint8Array(await f.arrayBuffer());
  const find = (re: RegExp) => files.find((f) => re.test(f.name));
  const progressFile = find(/\.json$/i);
  let progress: DemoProgress | null = null;
  if (progressFile) {
    const p = JSON.parse(await progressFile.text()) as Partial<DemoProgress>;
    if (!p.architecture || !p.config || !Number.isInteger(p.epoch) || !Number.isInteger(p.batch) || !p.history || !p.sums)
      throw new Error(`Load checkpoint: ${progressFile.name} is not the demo's progress.json (architecture, config, epoch, batch, sums, history)`);
    progress = p as DemoProgress;
  }
  const next = newRun(progress?.architecture ?? run.arch, progress?.config ?? run.config);
  const gen = find(/(^|[^a-z])generator\.safetensors$/i);
  const dis = find(/discriminator\.safetensors$/i);
  const both = files.find((f) => /\.safetensors$/i.test(f.name) && f !== gen && f !== dis);
  if (!gen && !both)
    throw new Error("Load checkpoint: pick a .safetensors file (a downloaded checkpoint, or the demo's generator.safetensors with its other files)");
  const { nets } = next.book;
  if (both) pairOf(next.book).loadParametersFromBytes(await read(both));
  if (gen) nets.generator.loadParametersFromBytes(await read(gen));
  if (dis) nets.discriminator.loadParametersFromBytes(await read(dis));
  const tg = find(/trainer-g\.states$/i);
  const td = find(/trainer-d\.states$/i);
  if (tg) nets.trainerG.loadStatesFromBytes(await read(tg));
  if (td) nets.trainerD.loadStatesFromBytes(await read(td));
  if (progress) {
    next.step = progress.epoch * next.steps.perEpoch + progress.batch;
    next.book.history = progress.history;
    next.book.sums = progress.sums;
  } else {
    const m = /step-0*(\d+)/.exec(both?.name ?? gen?.name ?? "");
    next.step = m ? Number(m[1]) : 0;
  }
  next.book.trained = next.step;
  run = next;
}

// ---- wiring ------------------------------------------------------------------------------------------------------
/** GPU hook: the GPU issue adds npx.numGpus(); until it lands on main this finds none and the page offers no GPU choice. */
function numGpus(): number {
  const f = (npx as unknown as { numGpus?: () => number }).numGpus;
  return typeof f === "function" ? f() : 0;
}

export interface TrainHooks {
  step(): number;
  running(): boolean;
  /** every parameter of the book's pair by structural name (generator.0.0.weight, …) */
  parameters(): [string, number[]][];
  /** net.at(layer)'s output for the first fixed noise vector */
  featureMaps(layer: number): { shape: number[]; data: number[] };
}

/**
 * Makes the run from the address's settings on first call and draws it; returns true when it existed already (callers
 * that only redraw have nothing more to do otherwise).
 */
function ensureRun(): boolean {
  if (made) return true;
  made = true;
  try {
    run = newRun(URL_ARCH, URL_CONFIG);
  } catch (e) {
    run = newRun({ imageSize: 16, width: 32, latentDim: 100 }, { seed: 0, datasetSize: 4096, batchSize: 32, learningRate: 0.001 });
    showError(e);
  }
  renderAll();
  $("train").dataset.ready = "true";
  return false;
}

export function initTrain(): void {
  const threads = $<HTMLSelectElement>("train-threads");
  const most = globalThis.crossOriginIsolated ? Math.min(maxThreads(), Math.max(2, navigator.hardwareConcurrency || 1)) : 1;
  for (let n = 1; n <= most; n++) threads.append(new Option(String(n), String(n)));
  threads.value = String(Math.min(most, num("tthreads", Math.min(2, most))));
  setNumThreads(Number(threads.value));
  threads.addEventListener("change", () => setNumThreads(Number(threads.value)));
  if (numGpus() > 0) {
    // HOOK(GPU issue): the choice is offered once npx.numGpus() exists; running the steps on it needs that context API.
    const dev = $<HTMLSelectElement>("train-device");
    dev.append(new Option("CPU threads", "cpu"));
    for (let i = 0; i < numGpus(); i++) dev.append(new Option(`GPU ${i}`, `gpu${i}`));
    $("train-device-row").hidden = false;
  }
  const ev = $<HTMLSelectElement>("train-every");
  for (const n of [1, 5, 10, 25, 50]) ev.append(new Option(String(n), String(n)));
  ev.value = String([1, 5, 10, 25, 50].includes(num("tevery", 10)) ? num("tevery", 10) : 10);

  // the nets, the data set and the first pictures cost a few hundred ms: made when the panel comes near the viewport
  // (or on first use), not with the rest of the page
  new IntersectionObserver(
    (seen, observer) => {
      if (seen.some((e) => e.isIntersecting)) observer.disconnect(), ensureRun();
    },
    { rootMargin: "400px" },
  ).observe($("train"));
  $("train-start").addEventListener("click", () => (ensureRun(), setRunning(true)));
  $("train-pause").addEventListener("click", () => setRunning(false));
  $("train-reset").addEventListener("click", () => {
    ensureRun();
    setRunning(false);
    run = newRun(run.arch, run.config);
    recent.length = 0;
    showError(null);
    renderAll();
  });
  $("train-download").addEventListener("click", () => (ensureRun(), download()));
  const input = $<HTMLInputElement>("train-upload");
  input.addEventListener("change", () => {
    const files = Array.from(input.files ?? []);
    input.value = "";
    if (files.length === 0) return;
    ensureRun();
    setRunning(false);
    $("train").dataset.loading = "true";
    upload(files)
      .then(() => (showError(null), (recent.length = 0), renderAll()))
      .catch((e) => showError(e))
      .finally(() => delete $("train").dataset.loading);
  });
  toggle("train-resize", () => {
    if (!ensureRun()) return;
    const on = pressed("train-resize");
    run.resize = on ? emptyGan(buildNets(run.arch, run.config, resizeGenerator)) : null;
    renderPictures();
  });
  $("train-layer").addEventListener("change", () => {
    layerIndex = Number($<HTMLSelectElement>("train-layer").value);
    if (ensureRun()) renderLayer();
  });
  toggle("train-overlay", () => ensureRun() && renderLayer());

  const hooks: TrainHooks = {
    step: () => (ensureRun(), run.step),
    running: () => running,
    parameters: () =>
      [
        ...pairOf((ensureRun(), run.book))
          .collectParams()
          .entries(),
      ].map(([k, p]) => [k, Array.from(p.data().asTypedArray())]),
    featureMaps: (i) => {
      ensureRun();
      const y = layerOutputs(run.book.nets.generator, run.fixedZ.at("0:1"), i)[i]!;
      return { shape: [...y.shape], data: Array.from(y.asTypedArray()) };
    },
  };
  (globalThis as unknown as { tconvTrain: TrainHooks }).tconvTrain = hooks;
}
