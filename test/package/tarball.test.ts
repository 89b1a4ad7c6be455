// What `npm pack` puts in the tarball: the license, the built library with declarations, and the sources its maps name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

interface PackEntry {
  path: string;
  size: number;
}

function packedFiles(): string[] {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const [info] = JSON.parse(out) as [{ files: PackEntry[] }];
  return info.files.map((f) => f.path).sort();
}

test("the tarball holds LICENSE, README, CHANGELOG, package.json, dist/ with declarations, and src/; no tests, benchmarks or tooling", () => {
  const files = packedFiles();
  const set = new Set(files);
  for (const f of [
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "package.json",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/methods.js",
    "dist/backends/wasm/kernels-wasm.generated.js",
    "dist/worker.js",
    "src/index.ts",
  ])
    assert.ok(set.has(f), `${f} is missing from the tarball`);
  const outside = files.filter((f) => !/^(dist|src)\//.test(f) && !["LICENSE", "README.md", "CHANGELOG.md", "package.json"].includes(f));
  assert.deepEqual(outside, []);
  // dist/worker.js is a plain worker script (setWorkerUrl), not a module to import: it has no declarations
  for (const f of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js") && f !== "dist/worker.js"))
    assert.ok(set.has(f.replace(/\.js$/, ".d.ts")), `${f} has no declaration file`);
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { main: string; types: string; license: string };
  assert.ok(set.has(normalize(pkg.main)) && set.has(normalize(pkg.types)));
  assert.equal(pkg.license, "Apache-2.0");
  assert.match(readFileSync("LICENSE", "utf8"), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
});

test("every source map in the tarball names sources that ship in the tarball", () => {
  const files = packedFiles();
  const set = new Set(files);
  const maps = files.filter((f) => f.endsWith(".js.map"));
  assert.ok(maps.length >= 40, `${maps.length} maps`);
  const missing: string[] = [];
  for (const m of maps) {
    const map = JSON.parse(readFileSync(m, "utf8")) as { sources: string[]; sourceRoot?: string };
    for (const s of map.sources) {
      const target = normalize(join(dirname(m), map.sourceRoot ?? "", s));
      if (!set.has(target)) missing.push(`${m} → ${target}`);
    }
  }
  assert.deepEqual(missing, []);
});
