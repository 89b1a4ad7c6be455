// Runs a snippet against the built library (dist/) in a child process with a JS-heap cap and a time limit, so an abort or
// a hang fails the calling test instead of killing or stalling the test run.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface ChildResult {
  /** exit code (null when killed) */
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

export const DIST_INDEX = pathToFileURL(resolve("dist/index.js")).href;

/**
 * Runs `body` (an ES module body; `tconv` is the library, plus any `extraImports`) in `node --max-old-space-size=heapMb`,
 * killed after `timeoutMs`. `nodeArgs` adds flags (e.g. --expose-gc).
 */
export function runChild(body: string, opts: { heapMb?: number; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), "tconv-child-"));
  const file = join(dir, "main.mjs");
  writeFileSync(file, `import * as tconv from ${JSON.stringify(DIST_INDEX)};\n${body}\n`);
  const args = [`--max-old-space-size=${opts.heapMb ?? 256}`, ...(opts.nodeArgs ?? []), file];
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "",
      timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60000);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      done({ status, signal, timedOut, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** A one-line description of how a child ended, for assertion messages. */
export function describe(r: ChildResult): string {
  return `${r.timedOut ? "timed out" : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`} after ${r.ms} ms; stderr: ${r.stderr.slice(-600)}`;
}
