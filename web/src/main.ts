// The explorer page: controls ⇄ state ⇄ URL, and every panel re-rendered from the library's results.
import { type Frames, type Sel, framesFor } from "./anim.js";
import { LIMITS, type Model, compute, pairIndex, primaryOptions } from "./model.js";
import {
  type AxisParam,
  BOOK_K,
  BOOK_X,
  type ExplorerState,
  MAX_CHANNELS,
  type Op,
  axisValues,
  defaultState,
  depth,
  fitK,
  fitX,
  hasChannelAxes,
  stateFromQuery,
  stateToQuery,
  weightChannels,
} from "./state.js";
import { IMAGE_SIZE, makeImage, paint, upsampleAll } from "./image-demo.js";
import { type PhaseData, phaseData, phaseView } from "./phases.js";
import { initTrain } from "./train.js";
import { callText, companionView, routingView, drawMatrix, formulaHtml, matrixCaption, type MatrixLayout, overlapView } from "./views.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let state: ExplorerState = stateFromQuery(location.search);
let model: Model | null = null;
let frames: Frames | null = null;
let t = 0;
let sel: Sel = [0, 0];
/** the channel pair the pictures show: [input channel, output channel] */
let pair: [number, number] = [0, 0];
let timer: number | null = null;
let matrixLayout: MatrixLayout | null = null;
let phases: PhaseData | { error: string } | null = null;
/** the highlighted phase (index into phases.phases), −1 for none */
let activePhase = -1;
const SPEEDS = [0.5, 0.75, 1, 1.5, 2.5];
const TOUCH = matchMedia("(max-width: 1099px), (pointer: coarse)");
const REDUCED_MOTION = matchMedia("(prefers-reduced-motion: reduce)");

// ---- presets --------------------------------------------------------------------------------------------------
const ones = (h: number, w: number) => Array.from({ length: h }, () => new Array<number>(w).fill(1));
const PRESETS: { label: string; title: string; state: Partial<ExplorerState> }[] = [
  { label: "Fig. 12.10.1", title: "The book's basic example: stride 1, no padding → 3×3", state: {} },
  { label: "padding 1", title: "The book's example with padding=1 → [[4]]", state: { padding: 1 } },
  { label: "strides 2", title: "The book's example with strides=2 → 4×4", state: { strides: 2 } },
  { label: "checkerboard k3 s2", title: "Kernel 3 not divisible by stride 2: uneven overlap", state: { x: ones(3, 3), k: ones(3, 3), strides: 2 } },
  {
    label: "upsample k4 s2 p1",
    title: "The usual ×2 upsampling: kernel 4, stride 2, padding 1 (even overlap)",
    state: { x: ones(3, 3), k: ones(4, 4), strides: 2, padding: 1 },
  },
  { label: "1-D s2 d2", title: "1-D with stride 2 and dilation 2", state: { x: [1, 2, 3], k: [1, 1, 1], strides: 2, dilation: 2 } },
  {
    label: "conv §12.10.3",
    title: "The book's convolution: arange(9) ⋆ K → [[19, 25], [37, 43]]",
    state: {
      op: "convolution",
      x: [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
      ],
    },
  },
];

function buildPresets() {
  const box = $("presets");
  box.innerHTML = "";
  for (const p of PRESETS) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = p.label;
    b.title = p.title;
    b.addEventListener("click", () => {
      state = { ...defaultState(), ...p.state };
      update({ controls: true });
    });
    box.append(b);
  }
}

function markPreset() {
  const q = stateToQuery(state);
  const buttons = $("presets").querySelectorAll("button");
  PRESETS.forEach((p, i) => buttons[i]!.setAttribute("aria-current", String(stateToQuery({ ...defaultState(), ...p.state }) === q)));
}

// ---- value grids ----------------------------------------------------------------------------------------------
/** The spatial slices of x (one per input channel) or k (one per weight channel pair), and where the shown one is. */
function slices(which: "x" | "k"): { list: unknown[]; at: number; wrap: (list: unknown[]) => unknown } {
  const v = state[which];
  if (which === "x") {
    if (state.cin <= 1 || !Array.isArray(v)) return { list: [v], at: 0, wrap: (l) => l[0] };
    return { list: [...v], at: Math.min(pairIndex(state, pair).ci, v.length - 1), wrap: (l) => l };
  }
  if (!hasChannelAxes(state) || !Array.isArray(v) || !v.every(Array.isArray)) return { list: [v], at: 0, wrap: (l) => l[0] };
  const rows = v as unknown[][];
  const n1 = rows[0]!.length;
  const [a, b] = pairIndex(state, pair).kIndex;
  return {
    list: rows.flat(1),
    at: Math.min(a, rows.length - 1) * n1 + Math.min(b, n1 - 1),
    wrap: (l) => Array.from({ length: rows.length }, (_, i) => l.slice(i * n1, (i + 1) * n1)),
  };
}
const shown = (which: "x" | "k") => {
  const s = slices(which);
  return s.list[s.at];
};
/** state[which] with f applied to the shown slice only, or to every slice */
function mapSlices(which: "x" | "k", f: (v: unknown, i: number) => unknown, all: boolean): unknown {
  const s = slices(which);
  return s.wrap(s.list.map((v, i) => (all || i === s.at ? f(v, i) : v)));
}
const nd = () => (depth(shown("x")) === 1 ? 1 : 2);
const asRows = (v: unknown): number[][] | null => {
  const d = depth(v);
  if (d === 1) return [v as number[]];
  if (d === 2) return v as number[][];
  return null;
};

function buildValues(which: "x" | "k") {
  const box = $(`${which}-grid`);
  const sizeBox = $(`${which}-size`);
  box.innerHTML = "";
  sizeBox.innerHTML = "";
  const rows = asRows(shown(which));
  const oneD = depth(shown(which)) === 1;
  if (!rows || rows.some((r) => !Array.isArray(r) || r.length !== rows[0]!.length)) {
    box.innerHTML = `<p class="hint">${which} from the URL is not a grid of numbers; use Book or Random.</p>`;
    return;
  }
  const h = rows.length;
  const w = rows[0]!.length;
  const limit = which === "x" ? LIMITS.input : LIMITS.kernel;
  const sizeInput = (value: number, label: string, onSet: (n: number) => void) => {
    const inp = document.createElement("input");
    inp.type = "number";
    inp.min = "1";
    inp.max = String(limit);
    inp.value = String(value);
    inp.setAttribute("aria-label", label);
    inp.addEventListener("change", () => {
      const n = Math.round(inp.valueAsNumber);
      if (Number.isFinite(n) && n >= 1 && n <= limit) onSet(n);
      else inp.value = String(value);
    });
    return inp;
  };
  // every channel's slice keeps the same size
  const resize = (nh: number, nw: number) => {
    const next = mapSlices(
      which,
      (v) => {
        const r = asRows(v) ?? [];
        const n = Array.from({ length: nh }, (_, i) => Array.from({ length: nw }, (_, j) => r[i]?.[j] ?? 0));
        return oneD ? n[0]! : n;
      },
      true,
    );
    state = { ...state, [which]: next };
    update({ controls: true });
  };
  const name = which === "x" ? "input" : "kernel";
  if (oneD)
    sizeBox.append(
      "length ",
      sizeInput(w, `${name} length`, (n) => resize(1, n)),
    );
  else
    sizeBox.append(
      sizeInput(h, `${name} rows`, (n) => resize(n, w)),
      "×",
      sizeInput(w, `${name} columns`, (n) => resize(h, n)),
    );
  // touch layouts keep 40 px cells (the grid scrolls sideways when wide); the desktop sidebar fits them in 240 px
  const cw = TOUCH.matches ? 40 : Math.max(16, Math.min(40, Math.floor((240 - 3 * (w - 1)) / w)));
  box.style.gridTemplateColumns = `repeat(${w}, ${cw}px)`;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const inp = document.createElement("input");
      inp.type = "number";
      inp.step = "any";
      inp.value = String(rows[i]![j]);
      inp.setAttribute("aria-label", `${which}[${oneD ? j : `${i}, ${j}`}]`);
      inp.addEventListener("input", () => {
        const v = inp.valueAsNumber;
        if (!Number.isFinite(v)) return;
        const next = rows.map((r) => [...r]);
        next[i]![j] = v;
        rows[i]![j] = v;
        state = { ...state, [which]: mapSlices(which, () => (oneD ? next[0]! : next), false) };
        update();
      });
      box.append(inp);
    }
}

function randomValues(which: "x" | "k") {
  const hi = which === "x" ? 5 : 4;
  const next = mapSlices(
    which,
    (v) => {
      const rows = (asRows(v) ?? [[0]]).map((r) => r.map(() => Math.floor(Math.random() * hi)));
      return depth(v) === 1 ? rows[0]! : rows;
    },
    true,
  );
  state = { ...state, [which]: next };
  update({ controls: true });
}

/** The book's values in channel 0 (or kernel [0, 0]); the other channels get them shifted, as a new channel does. */
function bookValues(which: "x" | "k") {
  const v = which === "x" ? BOOK_X : BOOK_K;
  const spatial = nd() === 1 ? v[1]! : v.map((r) => [...r]);
  const axes = hasChannelAxes(state) ? weightChannels(state.op, state.cin, state.cout, state.groups) : null;
  state = { ...state, [which]: which === "x" ? fitX(spatial, 1, state.cin) : fitK(spatial, null, axes) };
  update({ controls: true });
}

// ---- channels and groups --------------------------------------------------------------------------------------
/** New channel counts: x and k keep what they can and grow new channels (see fitX / fitK). */
function setChannels(next: { cin?: number; cout?: number; groups?: number; op?: Op }) {
  const s2 = { ...state, ...next };
  const axesOf = (s: ExplorerState) => (hasChannelAxes(s) ? weightChannels(s.op, s.cin, s.cout, s.groups) : null);
  const fromAxes = axesOf(state);
  const toAxes = axesOf(s2);
  const sameK = JSON.stringify(fromAxes) === JSON.stringify(toAxes);
  state = { ...s2, x: fitX(state.x, state.cin, s2.cin), k: sameK ? state.k : fitK(state.k, fromAxes, toAxes) };
  update({ controls: true });
}

function buildChannels() {
  for (const name of ["cin", "cout", "groups"] as const) {
    const box = $<HTMLSelectElement>(`p-${name}`);
    if (box.options.length === 0) for (let n = 1; n <= MAX_CHANNELS; n++) box.add(new Option(String(n), String(n)));
    box.value = String(state[name]);
  }
  // the channel tabs above the x editor and the weight grid (kernel pairs) above the K editor
  const { ci, kIndex } = pairIndex(state, pair);
  const tabs = $("x-channels");
  tabs.innerHTML = "";
  tabs.hidden = state.cin <= 1;
  for (let c = 0; c < state.cin; c++) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `chan g${groupOf("in", c)}`;
    b.textContent = `x[${c}]`;
    b.setAttribute("aria-pressed", String(c === ci));
    b.setAttribute("aria-label", `edit input channel ${c}`);
    b.addEventListener("click", () => selectPair([c, pair[1]]));
    tabs.append(b);
  }
  const wbox = $("weights");
  wbox.hidden = !hasChannelAxes(state);
  wbox.innerHTML = "";
  if (!hasChannelAxes(state)) return;
  const [n0, n1] = weightChannels(state.op, state.cin, state.cout, state.groups);
  const isT = state.op === "deconvolution";
  const head = document.createElement("p");
  head.className = "hint";
  head.innerHTML = isT
    ? `weight <code>[Cin, Cout/g, …k]</code> = [${n0}, ${n1}, …]: kernel [ci, j] feeds output channel g·${n1} + j of ci's group g (colour). Click a kernel to show its pair.`
    : `weight <code>[Cout, Cin/g, …k]</code> = [${n0}, ${n1}, …]: kernel [co, j] reads input channel g·${n1} + j of co's group g (colour). Click a kernel to show its pair.`;
  wbox.append(head);
  const table = document.createElement("div");
  table.className = "wgrid";
  table.style.gridTemplateColumns = `auto repeat(${n1}, minmax(0, 1fr))`;
  const k = state.k as unknown[][];
  const per = isT ? state.cout / state.groups : state.cin / state.groups;
  table.append(document.createElement("span"));
  for (let b = 0; b < n1; b++) {
    const h = document.createElement("span");
    h.className = "wh";
    h.textContent = `j = ${b}`;
    table.append(h);
  }
  for (let a = 0; a < n0; a++) {
    const rh = document.createElement("span");
    rh.className = "wh";
    rh.textContent = `${isT ? "ci" : "co"} ${a}`;
    table.append(rh);
    const group = isT ? groupOf("in", a) : groupOf("out", a);
    for (let b = 0; b < n1; b++) {
      const other = group * per + b; // the channel on the weight's second axis
      const [pci, pco] = isT ? [a, other] : [other, a];
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = `wk g${group}`;
      btn.dataset.pair = `${pci},${pco}`;
      btn.setAttribute("aria-pressed", String(a === kIndex[0] && b === kIndex[1]));
      btn.setAttribute("aria-label", `kernel k[${a}, ${b}]: input channel ${pci} → output channel ${pco}, group ${group}`);
      btn.title = `k[${a}, ${b}]: x channel ${pci} → output channel ${pco} (group ${group})`;
      btn.innerHTML = miniKernel(Array.isArray(k?.[a]) ? k[a]![b] : undefined);
      btn.addEventListener("click", () => selectPair([pci, pco]));
      table.append(btn);
    }
  }
  wbox.append(table);
}

/** The group of input channel c or output channel c (0 when groups do not divide the channels). */
function groupOf(side: "in" | "out", c: number): number {
  const { cin, cout, groups } = state;
  if (cin % groups !== 0 || cout % groups !== 0) return 0;
  return Math.floor(c / ((side === "in" ? cin : cout) / groups));
}

/** A kernel as a tiny heat map (SVG) for the weight grid. */
function miniKernel(v: unknown): string {
  const rows = asRows(v);
  if (!rows || rows.length === 0) return "?";
  const h = rows.length;
  const w = rows[0]!.length;
  const cell = Math.max(4, Math.min(10, Math.floor(36 / Math.max(h, w))));
  const max = Math.max(1e-9, ...rows.flat().map((x) => Math.abs(Number(x)) || 0));
  const rects = rows
    .flatMap((r, i) =>
      r.map(
        (x, j) =>
          `<rect x="${j * cell}" y="${i * cell}" width="${cell}" height="${cell}" fill="rgba(234,88,12,${(0.08 + (0.8 * Math.abs(Number(x) || 0)) / max).toFixed(2)})" stroke="#fff" stroke-width="0.5"/>`,
      ),
    )
    .join("");
  return `<svg width="${w * cell}" height="${h * cell}" aria-hidden="true">${rects}</svg>`;
}

function selectPair(p: [number, number]) {
  pair = p;
  update({ controls: true, url: false });
}

function setDims(n: 1 | 2) {
  if (n === nd()) return;
  const lastAxis = (v: AxisParam | ExplorerState["padding"]): never => (Array.isArray(v) ? v[v.length - 1] : v) as never;
  const firstAxis = (v: AxisParam | ExplorerState["padding"]): never => (Array.isArray(v) ? v[0] : v) as never;
  const conv = n === 1 ? lastAxis : firstAxis;
  const toND = (v: unknown) => {
    const rows = asRows(v);
    if (!rows) return v;
    return n === 1 ? rows[rows.length - 1] : [rows[0]];
  };
  state = {
    ...state,
    x: mapSlices("x", toND, true),
    k: mapSlices("k", toND, true),
    strides: conv(state.strides),
    dilation: conv(state.dilation),
    outputPadding: conv(state.outputPadding),
    padding:
      typeof state.padding === "string"
        ? state.padding
        : Array.isArray(state.padding) && Array.isArray(state.padding[0])
          ? ([conv(state.padding)] as never)
          : conv(state.padding),
  };
  update({ controls: true });
}

// ---- parameter inputs -----------------------------------------------------------------------------------------
const AX_NAMES = () => (nd() === 1 ? ["W"] : ["H", "W"]);

function axisInputs(box: HTMLElement, name: string, values: (number | null)[], min: number, onChange: (v: number[]) => void, disabled = false) {
  box.innerHTML = "";
  const inputs: HTMLInputElement[] = [];
  values.forEach((v, i) => {
    const inp = document.createElement("input");
    inp.type = "number";
    inp.min = String(min);
    inp.step = "1";
    inp.value = v === null ? "" : String(v);
    inp.disabled = disabled;
    inp.id = `${name.replace(/\W/g, "")}-${i}`;
    inp.dataset.param = name;
    inp.setAttribute("aria-label", `${name} ${AX_NAMES()[i] ?? i}`);
    inp.addEventListener("input", () => {
      const nums = inputs.map((x) => x.valueAsNumber);
      if (nums.some((x) => !Number.isFinite(x))) return;
      onChange(nums);
    });
    inputs.push(inp);
    if (values.length > 1) {
      const tag = document.createElement("span");
      tag.className = "ax";
      tag.textContent = AX_NAMES()[i] ?? "";
      box.append(tag);
    }
    box.append(inp);
  });
}

const collapse = (v: number[]): number | number[] => (v.every((x) => x === v[0]) ? v[0]! : v);

function paddingMode(): string {
  const p = state.padding;
  if (p === "same" || p === "valid" || p === "same-lower") return p;
  if (Array.isArray(p) && p.some((e) => Array.isArray(e))) return "pairs";
  return "symmetric";
}

function buildParams() {
  const n = nd();
  $("axes-hint").textContent = n === 1 ? "(1-D: one value)" : "(per axis: H, W)";
  for (const name of ["strides", "dilation"] as const) {
    const vals = axisValues(state[name], n, 1);
    axisInputs($(`p-${name}`), name, vals ?? new Array(n).fill(null), 1, (v) => {
      state = { ...state, [name]: collapse(v) };
      update();
    });
  }
  const isT = state.op === "deconvolution";
  const opad = axisValues(state.outputPadding, n, 0);
  axisInputs(
    $("p-outputPadding"),
    "outputPadding",
    opad ?? new Array(n).fill(null),
    0,
    (v) => {
      state = { ...state, outputPadding: collapse(v) };
      update();
    },
    !isT,
  );
  $("opad-hint").textContent = isT
    ? "outputPadding must be < max(stride, dilation): it picks among the output sizes that a stride > 1 makes ambiguous."
    : "outputPadding is for transposed convolution; the way back derives it from x's shape.";
  const mode = paddingMode();
  ($("pad-mode") as HTMLSelectElement).value = mode;
  const fill = $<HTMLSelectElement>("pad-fill");
  if (![...fill.options].some((o) => o.value === state.paddingMode)) fill.add(new Option(`${state.paddingMode} (from the URL)`, state.paddingMode));
  fill.value = state.paddingMode;
  const box = $("p-padding");
  box.innerHTML = "";
  if (mode === "symmetric") {
    const p = state.padding;
    const vals = typeof p === "string" ? null : axisValues(p as AxisParam, n, 0);
    axisInputs(box, "padding", vals ?? new Array(n).fill(null), 0, (v) => {
      state = { ...state, padding: collapse(v) };
      update();
    });
  } else if (mode === "pairs") {
    const p = state.padding as unknown[];
    const pairs = Array.from({ length: n }, (_, i) => {
      const e = p[i];
      return Array.isArray(e) ? [e[0] as number, e[1] as number] : typeof e === "number" ? [e, e] : [0, 0];
    });
    const inputs: HTMLInputElement[] = [];
    pairs.forEach((pair, i) => {
      const wrap = document.createElement("span");
      wrap.className = "pair";
      if (n > 1) wrap.innerHTML = `<span class="ax">${AX_NAMES()[i]}</span>`;
      pair.forEach((v, j) => {
        const inp = document.createElement("input");
        inp.type = "number";
        inp.min = "0";
        inp.value = String(v);
        inp.dataset.param = "padding";
        inp.setAttribute("aria-label", `padding ${AX_NAMES()[i]} ${j === 0 ? "begin" : "end"}`);
        inp.title = j === 0 ? "begin" : "end";
        inp.addEventListener("input", () => {
          const nums = inputs.map((x) => x.valueAsNumber);
          if (nums.some((x) => !Number.isFinite(x))) return;
          state = { ...state, padding: Array.from({ length: n }, (_, a) => [nums[2 * a]!, nums[2 * a + 1]!] as [number, number]) };
          update();
        });
        inputs.push(inp);
        wrap.append(inp);
      });
      box.append(wrap);
    });
  } else {
    box.innerHTML = `<span class="hint">${mode === "valid" ? "no padding" : `output = ${isT ? "input × stride" : "⌈input / stride⌉"}; the resolver splits the padding (${mode === "same" ? "extra at the end" : "extra at the start"})`}</span>`;
  }
}

function onPaddingMode() {
  const mode = ($("pad-mode") as HTMLSelectElement).value;
  const n = nd();
  const cur = state.padding;
  const sym = typeof cur === "string" ? new Array<number>(n).fill(0) : axisValues(cur as AxisParam, n, 0);
  if (mode === "symmetric") {
    const begins = Array.isArray(cur) && cur.some((e) => Array.isArray(e)) ? (cur as number[][]).map((p) => (Array.isArray(p) ? p[0]! : (p as number))) : sym;
    state = { ...state, padding: collapse(begins ?? new Array<number>(n).fill(0)) };
  } else if (mode === "pairs") state = { ...state, padding: (sym ?? new Array<number>(n).fill(0)).map((v) => [v, v] as [number, number]) };
  else state = { ...state, padding: mode as "same" };
  update({ controls: true });
}

function buildControls() {
  buildChannels();
  buildValues("x");
  buildValues("k");
  buildParams();
  const n = nd();
  document.querySelectorAll<HTMLButtonElement>("[data-nd]").forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.nd) === n)));
}

// ---- rendering ------------------------------------------------------------------------------------------------
function setOpUi() {
  const isT = state.op === "deconvolution";
  document.querySelectorAll<HTMLButtonElement>("[data-op]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.op === state.op)));
  $("stage-title").textContent = isT ? "Transposed convolution, step by step" : "Convolution, step by step";
  $("back-title").textContent = isT ? "…and back: convolution" : "…and back: transposed conv";
  $("overlap-title").textContent = isT ? "Overlap: writes per output position" : "Overlap: windows per input element";
  document.querySelectorAll<HTMLInputElement>("[data-param=outputPadding]").forEach((i) => (i.disabled = !isT));
  markPreset();
}

function outShape(): [number, number] {
  if (!model) return [1, 1];
  return model.out.ndim === 1 ? [1, model.out.shape[0]!] : [model.out.shape[0]!, model.out.shape[1]!];
}

function renderStage() {
  if (!model || !frames) return;
  const box = $("stage-svg");
  const f = frames.render(t, sel, box.clientWidth, box.clientHeight);
  box.innerHTML = f.svg;
  $("caption").innerHTML = f.caption;
  $("pl-step").textContent = `step ${t} / ${frames.count - 1}`;
}

function renderSide() {
  if (!model) return;
  const m = model;
  const back = $("back-svg");
  const cv = companionView(m, back.clientWidth, back.clientHeight);
  back.innerHTML = cv.svg;
  $("back-how").innerHTML = cv.how;
  $("back-verdict").innerHTML = cv.verdict;
  renderMatrix();
  renderOverlap();
  renderPhases();
}

function renderPhases() {
  const box = $("phases");
  if (!model || !phases) return void (box.innerHTML = "");
  if (model.state.op !== "deconvolution") {
    box.innerHTML = `<p class="note">The phase view explains the transposed convolution: switch the operation to “Transposed convolution”.</p>`;
    return;
  }
  if ("error" in phases) return void (box.innerHTML = `<p class="bad">${phases.error}</p>`);
  box.innerHTML = phaseView(model, phases, activePhase);
}

function renderImages() {
  const c = Number($<HTMLInputElement>("image-contrast").value);
  $("image-contrast-val").textContent = c.toFixed(2);
  const row = $("image-row");
  const x = makeImage(c);
  const ups = upsampleAll(x);
  if (row.children.length === 0) {
    const fig = (id: string, title: string, how: string) =>
      `<figure><canvas id="img-${id}" data-testid="image-${id}" class="${id === "input" ? "" : "up"}" aria-label="${title}"></canvas><figcaption><b>${title}</b><br><span class="note">${how}</span></figcaption></figure>`;
    row.innerHTML = fig("input", `input ${IMAGE_SIZE}×${IMAGE_SIZE}`, "drawn in code") + ups.map((u) => fig(u.id, u.title, u.how)).join("");
  }
  paint($<HTMLCanvasElement>("img-input"), x);
  for (const u of ups) paint($<HTMLCanvasElement>(`img-${u.id}`), u.image);
}

function renderMatrix() {
  if (!model) return;
  const canvas = $<HTMLCanvasElement>("matrix-canvas");
  if ("error" in model.matrix) {
    canvas.getContext("2d")!.clearRect(0, 0, canvas.width, canvas.height);
    $("matrix-caption").innerHTML = `<span class="bad">${model.matrix.error}</span>`;
    matrixLayout = null;
    return;
  }
  matrixLayout = drawMatrix(canvas, model, model.matrix, sel);
  $("matrix-caption").innerHTML = matrixCaption(model, model.matrix, sel);
}

function renderOverlap() {
  if (!model) return;
  const box = $("overlap-svg");
  if ("error" in model.overlap) {
    box.innerHTML = "";
    $("overlap-html").innerHTML = `<span class="bad">${model.overlap.error}</span>`;
    return;
  }
  const v = overlapView(model, model.overlap, sel, box.clientWidth, box.clientHeight);
  box.innerHTML = v.svg;
  $("overlap-html").innerHTML = v.html;
}

const STALE = ["back", "result", "matrix", "overlap"].map((c) => `.panel.${c}`);

function update(opts: { controls?: boolean; url?: boolean } = {}) {
  stop();
  if (opts.url !== false) history.replaceState(null, "", stateToQuery(state));
  if (opts.controls) buildControls();
  setOpUi();
  const c = compute(state, pair);
  const err = $("error");
  if (!c.ok) {
    err.textContent = c.error;
    err.hidden = false;
    $("output").textContent = "";
    $("shape").textContent = "";
    $("caption").textContent = "";
    $("call").textContent = callText(null, state.op, {});
    $("formula").innerHTML = formulaHtml(null, state.op);
    $("stage-area").classList.add("stale");
    STALE.forEach((s) => document.querySelector(s)!.classList.add("stale"));
    model = null;
    frames = null;
    $("pl-step").textContent = "";
    $("routing").innerHTML = "";
    return;
  }
  err.hidden = true;
  err.textContent = "";
  $("stage-area").classList.remove("stale");
  STALE.forEach((s) => document.querySelector(s)!.classList.remove("stale"));
  model = c.model;
  frames = framesFor(model);
  activePhase = -1;
  try {
    phases = phaseData(model);
  } catch (e) {
    phases = { error: e instanceof Error ? e.message : String(e) };
  }
  t = frames.count - 1;
  const [h, w] = outShape();
  sel = [Math.min(sel[0], h - 1), Math.min(sel[1], w - 1)];
  $("output").textContent = model.text;
  $("shape").textContent = model.shapeText;
  $("formula").innerHTML = formulaHtml(model, state.op);
  $("call").textContent = callText(model, state.op, primaryOptions(state) as Record<string, unknown>);
  $("call").title = state.cin > 1 ? "x is reshaped to (1, Cin, …): one batch" : "x is reshaped to (1, 1, …): one batch, one channel";
  $("routing").innerHTML = routingView(model);
  renderStage();
  renderSide();
}

function select(r: number, c: number) {
  const [h, w] = outShape();
  sel = [Math.max(0, Math.min(h - 1, r)), Math.max(0, Math.min(w - 1, c))];
  renderStage();
  renderMatrix();
  renderOverlap();
}

// ---- playback -------------------------------------------------------------------------------------------------
function goto(n: number) {
  if (!frames) return;
  t = Math.max(0, Math.min(frames.count - 1, n));
  renderStage();
}

function stop() {
  if (timer !== null) window.clearInterval(timer);
  timer = null;
  const b = $("pl-play");
  b.textContent = "▶ Play";
  b.setAttribute("aria-label", "Play");
}

function play() {
  if (!frames) return;
  if (timer !== null) return stop();
  // reduced motion: no timed animation; Play shows the finished result (the step buttons and keys still step)
  if (REDUCED_MOTION.matches) return goto(frames.count - 1);
  if (t >= frames.count - 1) goto(0);
  const b = $("pl-play");
  b.textContent = "⏸ Pause";
  b.setAttribute("aria-label", "Pause");
  const speed = SPEEDS[Number(($("pl-speed") as HTMLInputElement).value)] ?? 1;
  timer = window.setInterval(() => {
    if (!frames || t >= frames.count - 1) return stop();
    goto(t + 1);
    if (t >= frames.count - 1) stop();
  }, 900 / speed);
}

function speedLabel() {
  $("pl-speed-val").textContent = `${SPEEDS[Number(($("pl-speed") as HTMLInputElement).value)]}×`;
}

// ---- wiring ---------------------------------------------------------------------------------------------------
function wire() {
  document.querySelectorAll<HTMLButtonElement>("[data-op]").forEach((b) => b.addEventListener("click", () => setChannels({ op: b.dataset.op as Op })));
  document.querySelectorAll<HTMLButtonElement>("[data-nd]").forEach((b) => b.addEventListener("click", () => setDims(Number(b.dataset.nd) as 1 | 2)));
  $("x-random").addEventListener("click", () => randomValues("x"));
  $("k-random").addEventListener("click", () => randomValues("k"));
  $("x-book").addEventListener("click", () => bookValues("x"));
  $("k-book").addEventListener("click", () => bookValues("k"));
  $("pad-mode").addEventListener("change", onPaddingMode);
  $("pad-fill").addEventListener("change", (e) => {
    state = { ...state, paddingMode: (e.target as HTMLSelectElement).value };
    update({ controls: true });
  });
  for (const name of ["cin", "cout", "groups"] as const)
    $<HTMLSelectElement>(`p-${name}`).addEventListener("change", (e) => setChannels({ [name]: Number((e.target as HTMLSelectElement).value) }));
  $("pl-first").addEventListener("click", () => (stop(), goto(0)));
  $("pl-prev").addEventListener("click", () => (stop(), goto(t - 1)));
  $("pl-next").addEventListener("click", () => (stop(), goto(t + 1)));
  $("pl-last").addEventListener("click", () => (stop(), goto(Infinity)));
  $("pl-play").addEventListener("click", play);
  $("pl-speed").addEventListener("input", () => {
    speedLabel();
    if (timer !== null) stop(), play();
  });
  $("phases").addEventListener("click", (e) => {
    const el = (e.target as Element).closest("[data-index], [data-phase]");
    if (!el) return;
    const i = Number(el.getAttribute("data-index") ?? el.getAttribute("data-phase"));
    activePhase = activePhase === i ? -1 : i;
    renderPhases();
    (document.querySelector(`#phases [data-index="${i}"]`) as HTMLElement | null)?.focus();
  });
  $("image-contrast").addEventListener("input", renderImages);
  // routing strip: an input chip keeps the output if it is in that channel's group; an output chip keeps the input likewise
  $("routing").addEventListener("click", (e) => {
    const chip = (e.target as Element).closest("[data-side]");
    if (!chip || !model) return;
    const c = Number(chip.getAttribute("data-channel"));
    const { cin, cout, groups } = model.channels;
    if (chip.getAttribute("data-side") === "in") selectPair([c, pair[1]]);
    else {
      const group = Math.floor(c / (cout / groups));
      const ins = Array.from({ length: cin / groups }, (_, j) => group * (cin / groups) + j);
      selectPair([ins.includes(model.channels.ci) ? model.channels.ci : ins[0]!, c]);
    }
  });
  $("copy-link").addEventListener("click", async () => {
    const b = $("copy-link");
    try {
      await navigator.clipboard.writeText(location.href);
      b.textContent = "Copied ✓";
    } catch {
      b.textContent = "Copy from the address bar";
    }
    window.setTimeout(() => (b.textContent = "Copy link"), 1500);
  });
  // selecting an output element: click in the animation or a row of the matrix; ↑ ↓ on the matrix
  $("stage-svg").addEventListener("click", (e) => {
    const el = (e.target as Element).closest("[data-grid=out]");
    if (el) select(Number(el.getAttribute("data-r")), Number(el.getAttribute("data-c")));
  });
  const canvas = $<HTMLCanvasElement>("matrix-canvas");
  canvas.tabIndex = 0;
  canvas.addEventListener("click", (e) => {
    if (!matrixLayout) return;
    const rect = canvas.getBoundingClientRect();
    const row = Math.floor((e.clientY - rect.top - matrixLayout.my) / matrixLayout.cs);
    if (row < 0 || row >= matrixLayout.rows) return;
    const w = outShape()[1];
    select(Math.floor(row / w), row % w);
  });
  canvas.addEventListener("keydown", (e) => {
    const [h, w] = outShape();
    const row = sel[0] * w + sel[1];
    const next = e.key === "ArrowDown" ? row + 1 : e.key === "ArrowUp" ? row - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const r = Math.max(0, Math.min(h * w - 1, next));
    select(Math.floor(r / w), r % w);
  });
  document.addEventListener("keydown", (e) => {
    const target = e.target as HTMLElement;
    if (target.closest("input, select, textarea, canvas") || e.altKey || e.ctrlKey || e.metaKey) return;
    const onButton = target.closest("button") !== null;
    if (e.key === " " && !onButton) e.preventDefault(), play();
    else if (e.key === "ArrowRight") e.preventDefault(), stop(), goto(t + 1);
    else if (e.key === "ArrowLeft") e.preventDefault(), stop(), goto(t - 1);
    else if (e.key === "Home") e.preventDefault(), stop(), goto(0);
    else if (e.key === "End") e.preventDefault(), stop(), goto(Infinity);
  });
  // touch: a horizontal swipe over the step-through steps (left = forward); vertical movement scrolls the page
  let swipe: { x: number; y: number; id: number } | null = null;
  const stage = $("stage-area");
  stage.addEventListener("pointerdown", (e) => {
    if (e.pointerType !== "mouse") swipe = { x: e.clientX, y: e.clientY, id: e.pointerId };
  });
  stage.addEventListener("pointerup", (e) => {
    if (!swipe || swipe.id !== e.pointerId) return;
    const dx = e.clientX - swipe.x;
    const dy = e.clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) >= 40 && Math.abs(dx) > 2 * Math.abs(dy)) stop(), goto(t + (dx < 0 ? 1 : -1));
  });
  stage.addEventListener("pointercancel", () => (swipe = null));
  let pending = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => (renderStage(), renderSide()));
  }).observe($("stage-svg"));
}

buildPresets();
wire();
speedLabel();
buildControls();
{
  // show the top-centre output element first (it has the most overlap in the book's example)
  const c = compute(state, pair);
  if (c.ok) {
    const o = c.model.out;
    sel = o.ndim === 1 ? [0, Math.floor((o.shape[0]! - 1) / 2)] : [Math.floor((o.shape[0]! - 1) / 2), Math.floor((o.shape[1]! - 1) / 2)];
  }
}
update({ url: false });
renderImages();
initTrain();
document.documentElement.dataset.ready = "true";
