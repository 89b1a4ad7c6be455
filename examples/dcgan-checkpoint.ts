// DCGAN demo checkpoints: both nets (saveParameters), both Adam states (saveStates) and the progress, switched atomically.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { Architecture, Nets, RunConfig } from "./dcgan-train.js";
import type { LossHistory } from "./loss-plot.js";

export type { Architecture, Nets, RunConfig };

export interface Progress {
  architecture: Architecture;
  config: RunConfig;
  /** the next batch to run: epoch (0-based) and batch within it */
  epoch: number;
  batch: number;
  /** this epoch's loss sums so far (summed per-example losses) and example count */
  sums: { lossD: number; lossG: number; count: number };
  history: LossHistory;
  /** seconds spent in finished epochs, one entry each */
  epochSeconds: number[];
}

const FORMAT = "tconv-dcgan-checkpoint/1";
const FILES = { generator: "generator.safetensors", discriminator: "discriminator.safetensors", trainerG: "trainer-g.states", trainerD: "trainer-d.states" };

/**
 * mkdir -p one level at a time: Node's mkdirSync(…, { recursive: true }) spins forever under /proc (it retries a
 * parent that reports ENOENT although it exists), so `--out /proc/x` hung. Throws the first failing level's error.
 */
export function makeFolder(path: string): void {
  const full = resolve(path);
  const parts = full.split(sep).filter((p) => p !== "");
  let at = full.startsWith(sep) ? sep : "";
  for (const part of parts) {
    at = join(at, part);
    try {
      if (statSync(at).isDirectory()) continue;
    } catch {
      /* missing: made below */
    }
    mkdirSync(at);
  }
}

let tempCounter = 0;
/** Writes `text` to a short temporary name beside `path` and renames it over `path` (a reader sees the old or the new file). */
function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.tconv-${process.pid}-${++tempCounter}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const CHECKSUMMED = [...Object.values(FILES), "progress.json"];

/**
 * Makes every value a checkpoint holds readable: on a GPU the parameters (BatchNorm's running statistics too) and Adam's
 * states are computed by queued ops, and saving reads them synchronously. On the CPU it returns at once.
 */
export async function readableNets(nets: Nets): Promise<void> {
  for (const net of [nets.generator, nets.discriminator]) for (const [, p] of net.collectParams().entries()) if (p.isInitialized) await p.data().wait();
  await nets.trainerG.wait();
  await nets.trainerD.wait();
}

/**
 * Saves into a new folder `step-NNNNNNN-<tag>` under `dir` (a name no earlier run used, so the folder `latest.json`
 * names is never touched: a fresh run killed over an old checkpoint leaves the old one resumable), then points
 * `latest.json` at it with each file's SHA-256 (one atomic rename) and removes other step folders and stale temps.
 * GPU nets: await readableNets(nets) first.
 */
export function saveCheckpoint(dir: string, step: number, nets: Nets, progress: Progress): string {
  makeFolder(dir);
  const name = `step-${String(step).padStart(7, "0")}-${process.pid.toString(36)}${(++tempCounter).toString(36)}`;
  const folder = join(dir, name);
  mkdirSync(folder);
  nets.generator.saveParameters(join(folder, FILES.generator));
  nets.discriminator.saveParameters(join(folder, FILES.discriminator));
  nets.trainerG.saveStates(join(folder, FILES.trainerG));
  nets.trainerD.saveStates(join(folder, FILES.trainerD));
  writeAtomic(join(folder, "progress.json"), JSON.stringify({ format: FORMAT, ...progress }));
  const sums = Object.fromEntries(CHECKSUMMED.map((f) => [f, sha256(join(folder, f))]));
  writeAtomic(join(dir, "latest.json"), JSON.stringify({ format: FORMAT, checkpoint: name, sha256: sums }) + "\n");
  for (const old of readdirSync(dir))
    if ((old.startsWith("step-") && old !== name) || /^\.tconv-\d+-\d+\.tmp$/.test(old)) rmSync(join(dir, old), { recursive: true, force: true });
  return folder;
}

/**
 * Claims `dir` for this process (a `lock` file holding the pid, created exclusively); a lock whose process is gone is
 * taken over. Returns the release function. A second live run in the same folder is refused in one line.
 */
export function lockFolder(dir: string): () => void {
  makeFolder(dir);
  const path = join(dir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      let alive = false;
      try {
        if (Number.isInteger(pid) && pid > 0) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === "EPERM";
      }
      if (alive && pid !== process.pid) throw new Error(`output folder ${dir} is in use by process ${pid} (another run); use another --out`);
      rmSync(path, { force: true }); // a killed run's lock: take it over
    }
  }
  throw new Error(`output folder ${dir}: cannot take the lock file ${path}`);
}

export class CheckpointError extends Error {
  constructor(
    message: string,
    /** true: the files are damaged (the caller may start fresh if asked); false: they are fine but do not fit this run */
    readonly damaged: boolean,
  ) {
    super(message);
  }
}

function readJSON(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CheckpointError(`checkpoint ${path} is missing`, true);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== "object" || (v as { format?: unknown }).format !== FORMAT) throw new Error("wrong format");
    return v as Record<string, unknown>;
  } catch {
    throw new CheckpointError(`checkpoint ${path} is damaged (not a ${FORMAT} JSON file)`, true);
  }
}

/** Checks progress.json field by field (types, ranges and the counts that must agree), naming the first bad field. */
function checkProgress(v: Record<string, unknown>, path: string): Progress {
  const bad = (field: string, why: string) => new CheckpointError(`checkpoint ${path} is damaged (${field} ${why})`, true);
  const obj = (x: unknown, field: string) => {
    if (x === null || typeof x !== "object" || Array.isArray(x)) throw bad(field, "is not an object");
    return x as Record<string, unknown>;
  };
  const int = (x: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max) throw bad(field, `= ${JSON.stringify(x)} is not an integer in [${min}, ${max}]`);
    return x;
  };
  const num = (x: unknown, field: string, min = -Infinity) => {
    if (typeof x !== "number" || !Number.isFinite(x) || x < min)
      throw bad(field, `= ${JSON.stringify(x)} is not a finite number${min > -Infinity ? ` >= ${min}` : ""}`);
    return x;
  };
  const arch = obj(v.architecture, "architecture");
  for (const k of ["imageSize", "width", "latentDim"]) int(arch[k], `architecture.${k}`, 1);
  if (arch.loss !== undefined && arch.loss !== "bce" && arch.loss !== "wgan-gp")
    throw bad("architecture.loss", `= ${JSON.stringify(arch.loss)} is not "bce" or "wgan-gp"`);
  const config = obj(v.config, "config");
  int(config.seed, "config.seed", 0);
  const datasetSize = int(config.datasetSize, "config.datasetSize", 1);
  const batchSize = int(config.batchSize, "config.batchSize", 2, datasetSize);
  num(config.learningRate, "config.learningRate", Number.MIN_VALUE);
  const perEpoch = Math.floor(datasetSize / batchSize);
  const epoch = int(v.epoch, "epoch", 0, 1e6);
  const batch = int(v.batch, "batch", 0, perEpoch - 1);
  const sums = obj(v.sums, "sums");
  num(sums.lossD, "sums.lossD");
  num(sums.lossG, "sums.lossG");
  int(sums.count, "sums.count", batch * batchSize, batch * batchSize);
  const history = obj(v.history, "history");
  const rows = (x: unknown, field: string, n: number) => {
    if (!Array.isArray(x)) throw bad(field, "is not a list");
    if (x.length !== n) throw bad(field, `has ${x.length} entries; epoch ${epoch}, batch ${batch} needs ${n}`);
    x.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== 3 || !r.every((e) => typeof e === "number")) throw bad(`${field}[${i}]`, "is not [x, loss_D, loss_G]");
    });
  };
  rows(history.batches, "history.batches", epoch * perEpoch + batch);
  rows(history.epochs, "history.epochs", epoch);
  if (!Array.isArray(v.epochSeconds) || v.epochSeconds.length !== epoch) throw bad("epochSeconds", `is not a list of ${epoch} durations`);
  v.epochSeconds.forEach((s, i) => num(s, `epochSeconds[${i}]`, 0));
  return v as unknown as Progress;
}

const describe = (o: object) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");

/** Tells whether a resumable checkpoint is announced in `dir`. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, "latest.json"));
}

/**
 * Loads the checkpoint `latest.json` names into the nets and trainers, after checking that it was made with the same
 * architecture and run configuration. Every file is read and checked by loadParameters / loadStates before they
 * change anything, so a damaged file leaves the nets as they were.
 */
export function loadCheckpoint(dir: string, nets: Nets, architecture: Architecture, config: RunConfig): Progress {
  const latest = readJSON(join(dir, "latest.json"));
  const name = latest.checkpoint;
  if (typeof name !== "string" || !/^step-\d{7}(-[0-9a-z]{1,16})?$/.test(name))
    throw new CheckpointError(`checkpoint ${join(dir, "latest.json")} is damaged (bad folder name)`, true);
  const folder = join(dir, name);
  // every file against the SHA-256 latest.json recorded: a damaged or swapped file is caught before anything loads
  const sums = latest.sha256 as Record<string, unknown> | undefined;
  if (sums === null || typeof sums !== "object") throw new CheckpointError(`checkpoint ${join(dir, "latest.json")} is damaged (no sha256 checksums)`, true);
  for (const f of CHECKSUMMED) {
    let actual: string;
    try {
      actual = sha256(join(folder, f));
    } catch {
      throw new CheckpointError(`checkpoint ${join(folder, f)} is missing`, true);
    }
    if (actual !== sums[f]) throw new CheckpointError(`checkpoint ${join(folder, f)} is damaged (its SHA-256 differs from the one in latest.json)`, true);
  }
  const progressPath = join(folder, "progress.json");
  const p = checkProgress(readJSON(progressPath), progressPath);
  const arch = p.architecture;
  if (arch.loss === undefined) arch.loss = "bce"; // written before --loss existed
  if ((Object.keys(architecture) as (keyof Architecture)[]).some((k) => arch[k] !== architecture[k]))
    throw new CheckpointError(`checkpoint ${folder} is from another architecture (${describe(arch)}); this run has ${describe(architecture)}`, false);
  if ((Object.keys(config) as (keyof RunConfig)[]).some((k) => p.config[k] !== config[k]))
    throw new CheckpointError(`checkpoint ${folder} was made with ${describe(p.config)}; this run has ${describe(config)}`, false);
  const steps: [string, () => void][] = [
    [FILES.generator, () => nets.generator.loadParameters(join(folder, FILES.generator))],
    [FILES.discriminator, () => nets.discriminator.loadParameters(join(folder, FILES.discriminator))],
    [FILES.trainerG, () => nets.trainerG.loadStates(join(folder, FILES.trainerG))],
    [FILES.trainerD, () => nets.trainerD.loadStates(join(folder, FILES.trainerD))],
  ];
  for (const [file, load] of steps) {
    try {
      load();
    } catch (e) {
      throw new CheckpointError(`checkpoint ${join(folder, file)} cannot be loaded: ${(e as Error).message}`, true);
    }
  }
  return p;
}
