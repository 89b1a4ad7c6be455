// The explorer page: controls ⇄ state ⇄ URL, and every panel re-rendered from the library's results.
import { type Frames, type Sel, framesFor } from "./anim.js";
import { LIMITS, type Model, compute } from "./model.js";
import { type AxisParam, BOOK_K, BOOK_X, type ExplorerState, type Op, axisValues, defaultState, depth, stateFromQuery, stateToQuery } from "./state.js";
import { callText, companionView, drawMatrix, formulaHtml, matrixCaption, type MatrixLayout, overlapView } from "./views.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let state: ExplorerState = stateFromQuery(location.search);
let model: Model | null = null;
let frames: Frames | null = null;
let t = 0;
let sel: Sel = [0, 0];
let timer: number | null = null;
let matrixLayout: MatrixLayout | null = null;
const SPEEDS = [0.5, 0.75, 1, 1.5, 2.5];

// ---- presets --------------------------------------------------------------------------------------------------
const ones = (h: number, w: number) => Array.from({ length: h }, () => new Array<number>(w).fill(1));
const PRESETS: { label: string; title: string; state: Partial<ExplorerState> }[] = [
  { label: "Fig. 12.10.1", title: "The book's basic example: stride 1, no padding → 3×3", state: {} },
  { label: "padding 1", title: "The book's example with padding=1 → [[4]]", state: { padding: 1 } },
  { label: "strides 2", title: "The book's example with strides=2 → 4×4", state: { strides: 2 } },
  { label: "checkerboard k3 s2", title: "Kernel 3 not divisible by stride 2: uneven overlap", state: { x: ones(3, 3), k: ones(3, 3), strides: 2 } },
  { label: "upsample k4 s2 p1", title: "The usual ×2 upsampling: kernel 4, stride 2, padding 1 (even overlap)", state: { x: ones(3, 3), k: ones(4, 4), strides: 2, padding: 1 } },
  { label: "1-D s2 d2", title: "1-D with stride 2 and dilation 2", state: { x: [1, 2, 3], k: [1, 1, 1], strides: 2, dilation: 2 } },
  { label: "conv §12.10.3", title: "The book's convolution: arange(9) ⋆ K → [[19, 25], [37, 43]]", state: { op: "convolution", x: [[0, 1, 2], [3, 4, 5], [6, 7, 8]] } },
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
const nd = () => (depth(state.x) === 1 ? 1 : 2);
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
  const rows = asRows(state[which]);
  const oneD = depth(state[which]) === 1;
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
  const resize = (nh: number, nw: number) => {
    const next = Array.from({ length: nh }, (_, i) => Array.from({ length: nw }, (_, j) => rows[i]?.[j] ?? 0));
    state = { ...state, [which]: oneD ? next[0]! : next };
    update({ controls: true });
  };
  const name = which === "x" ? "input" : "kernel";
  if (oneD) sizeBox.append("length ", sizeInput(w, `${name} length`, (n) => resize(1, n)));
  else sizeBox.append(sizeInput(h, `${name} rows`, (n) => resize(n, w)), "×", sizeInput(w, `${name} columns`, (n) => resize(h, n)));
  const cw = Math.max(16, Math.min(40, Math.floor((240 - 3 * (w - 1)) / w)));
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
        state = { ...state, [which]: oneD ? next[0]! : next };
        update();
      });
      box.append(inp);
    }
}

function randomValues(which: "x" | "k") {
  const rows = asRows(state[which]) ?? [[0]];
  const hi = which === "x" ? 5 : 4;
  const next = rows.map((r) => r.map(() => Math.floor(Math.random() * hi)));
  state = { ...state, [which]: depth(state[which]) === 1 ? next[0]! : next };
  update({ controls: true });
}

function bookValues(which: "x" | "k") {
  const v = which === "x" ? BOOK_X : BOOK_K;
  state = { ...state, [which]: nd() === 1 ? v[1]! : v.map((r) => [...r]) };
  update({ controls: true });
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
    x: toND(state.x),
    k: toND(state.k),
    strides: conv(state.strides),
    dilation: conv(state.dilation),
    outputPadding: conv(state.outputPadding),
    padding: typeof state.padding === "string" ? state.padding : Array.isArray(state.padding) && Array.isArray(state.padding[0]) ? ([conv(state.padding)] as never) : conv(state.padding),
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
  axisInputs($("p-outputPadding"), "outputPadding", opad ?? new Array(n).fill(null), 0, (v) => {
    state = { ...state, outputPadding: collapse(v) };
    update();
  }, !isT);
  $("opad-hint").textContent = isT
    ? "outputPadding must be < max(stride, dilation): it picks among the output sizes that a stride > 1 makes ambiguous."
    : "outputPadding is for transposed convolution; the way back derives it from x's shape.";
  const mode = paddingMode();
  ($("pad-mode") as HTMLSelectElement).value = mode;
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
  const c = compute(state);
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
    return;
  }
  err.hidden = true;
  err.textContent = "";
  $("stage-area").classList.remove("stale");
  STALE.forEach((s) => document.querySelector(s)!.classList.remove("stale"));
  model = c.model;
  frames = framesFor(model);
  t = frames.count - 1;
  const [h, w] = outShape();
  sel = [Math.min(sel[0], h - 1), Math.min(sel[1], w - 1)];
  $("output").textContent = model.text;
  $("shape").textContent = model.shapeText;
  $("formula").innerHTML = formulaHtml(model, state.op);
  $("call").textContent = callText(model, state.op, model.options as Record<string, unknown>);
  $("call").title = "x and K are reshaped to (1, 1, …): one batch, one channel";
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
  document.querySelectorAll<HTMLButtonElement>("[data-op]").forEach((b) =>
    b.addEventListener("click", () => {
      state = { ...state, op: b.dataset.op as Op };
      update({ controls: true });
    }),
  );
  document.querySelectorAll<HTMLButtonElement>("[data-nd]").forEach((b) => b.addEventListener("click", () => setDims(Number(b.dataset.nd) as 1 | 2)));
  $("x-random").addEventListener("click", () => randomValues("x"));
  $("k-random").addEventListener("click", () => randomValues("k"));
  $("x-book").addEventListener("click", () => bookValues("x"));
  $("k-book").addEventListener("click", () => bookValues("k"));
  $("pad-mode").addEventListener("change", onPaddingMode);
  $("pl-first").addEventListener("click", () => (stop(), goto(0)));
  $("pl-prev").addEventListener("click", () => (stop(), goto(t - 1)));
  $("pl-next").addEventListener("click", () => (stop(), goto(t + 1)));
  $("pl-last").addEventListener("click", () => (stop(), goto(Infinity)));
  $("pl-play").addEventListener("click", play);
  $("pl-speed").addEventListener("input", () => {
    speedLabel();
    if (timer !== null) (stop(), play());
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
    if (e.key === " " && !onButton) (e.preventDefault(), play());
    else if (e.key === "ArrowRight") (e.preventDefault(), stop(), goto(t + 1));
    else if (e.key === "ArrowLeft") (e.preventDefault(), stop(), goto(t - 1));
    else if (e.key === "Home") (e.preventDefault(), stop(), goto(0));
    else if (e.key === "End") (e.preventDefault(), stop(), goto(Infinity));
  });
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
  const c = compute(state);
  if (c.ok) {
    const o = c.model.out;
    sel = o.ndim === 1 ? [0, Math.floor((o.shape[0]! - 1) / 2)] : [Math.floor((o.shape[0]! - 1) / 2), Math.floor((o.shape[1]! - 1) / 2)];
  }
}
update({ url: false });
document.documentElement.dataset.ready = "true";
