// DCGAN demo checkpoints: both nets (saveParameters), both Adam states (saveStates) and the progress, switched atomically.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

/** Writes `text` to a temporary name beside `path` and renames it over `path` (a reader sees the old or the new file). */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Saves into a new folder `step-NNNNNNN` under `dir`, then points `latest.json` at it (one atomic rename) and removes
 * older step folders. An interruption at any point leaves `latest.json` naming a complete checkpoint.
 */
export function saveCheckpoint(dir: string, step: number, nets: Nets, progress: Progress): string {
  mkdirSync(dir, { recursive: true });
  const name = `step-${String(step).padStart(7, "0")}`;
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  nets.generator.saveParameters(join(folder, FILES.generator));
  nets.discriminator.saveParameters(join(folder, FILES.discriminator));
  nets.trainerG.saveStates(join(folder, FILES.trainerG));
  nets.trainerD.saveStates(join(folder, FILES.trainerD));
  writeAtomic(join(folder, "progress.json"), JSON.stringify({ format: FORMAT, ...progress }));
  writeAtomic(join(dir, "latest.json"), JSON.stringify({ format: FORMAT, checkpoint: name }) + "\n");
  for (const old of readdirSync(dir)) if (old.startsWith("step-") && old !== name) rmSync(join(dir, old), { recursive: true, force: true });
  return folder;
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

const describe = (o: object) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(", ");

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
  if (typeof name !== "string" || !/^step-\d{7}$/.test(name)) throw new CheckpointError(`checkpoint ${join(dir, "latest.json")} is damaged (bad folder name)`, true);
  const folder = join(dir, name);
  const progressPath = join(folder, "progress.json");
  const p = readJSON(progressPath) as unknown as Progress;
  const arch = p.architecture;
  if (!arch || typeof arch !== "object" || !p.config || !p.sums || !p.history || !Array.isArray(p.epochSeconds) || !Number.isInteger(p.epoch) || !Number.isInteger(p.batch))
    throw new CheckpointError(`checkpoint ${progressPath} is damaged (fields missing)`, true);
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
