// Every relative link and image in the README and the guides points to a file git tracks, and every #anchor to a heading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, posix, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** GitHub's heading id: lower case, every character but letters, marks, digits, `_`, `-` and spaces dropped, spaces → `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/<[^>]+>/g, "")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** The markdown without fenced code blocks (their lines blanked, so line numbers stay). */
function withoutFences(md: string): string[] {
  let fence: string | null = null;
  return md.split("\n").map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]!.slice(0, 3);
      else if (m[1]!.startsWith(fence)) fence = null;
      return "";
    }
    return fence === null ? line : "";
  });
}

/** The ids a markdown file's headings get on GitHub (a repeated heading gets -1, -2, …), plus explicit `id`/`name` anchors. */
function anchorsOf(md: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(md)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      ids.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) ids.add(a[1]!);
  }
  return ids;
}

interface Link {
  line: number;
  target: string;
}

/** Link and image targets outside code: `[t](x)`, `![a](x)`, `[r]: x`, `<img src="x">`, `<a href="x">`. */
function linksOf(md: string): Link[] {
  const links: Link[] = [];
  withoutFences(md).forEach((raw, i) => {
    const line = raw.replace(/``[^`]*``|`[^`]*`/g, "");
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: i + 1, target: m[1]! });
    const ref = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (ref) links.push({ line: i + 1, target: ref[1]! });
    for (const m of line.matchAll(/<(?:img|a|source)\s[^>]*(?:src|href)="([^"]*)"/g)) links.push({ line: i + 1, target: m[1]! });
  });
  return links;
}

/**
 * Problems of one markdown file (path relative to the repository root): targets that are not tracked files (or folders
 * holding tracked files), and anchors that are not headings of their markdown target. `read` gives another file's text.
 */
function checkLinks(file: string, md: string, tracked: Set<string>, read: (path: string) => string): string[] {
  const problems: string[] = [];
  for (const { line, target } of linksOf(md)) {
    if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, data: …
    const [pathPart = "", anchor] = target.split("#", 2);
    const path = decodeURIComponent(pathPart.split("?")[0]!);
    const where = `${file}:${line}: ${target}`;
    const resolved = path === "" ? file : posix.normalize(posix.join(posix.dirname(file), path)).replace(/\/$/, "");
    if (resolved.startsWith("..")) {
      problems.push(`${where} leaves the repository`);
      continue;
    }
    const isFile = tracked.has(resolved);
    const isFolder = !isFile && [...tracked].some((f) => f.startsWith(`${resolved}/`));
    if (!isFile && !isFolder) {
      problems.push(`${where} → ${resolved} is not a file git tracks`);
      continue;
    }
    if (anchor !== undefined && anchor !== "" && resolved.endsWith(".md")) {
      const text = resolved === file ? md : read(resolved);
      if (!anchorsOf(text).has(decodeURIComponent(anchor))) problems.push(`${where} → no heading with id #${anchor} in ${resolved}`);
    }
  }
  return problems;
}

function trackedFiles(): Set<string> {
  return new Set(execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean));
}

test("the link checker reports a missing file, a missing anchor and an untracked image, and passes good links", () => {
  const tracked = new Set(["README.md", "docs/guide.md", "docs/pic.png", "bench/RESULTS.md"]);
  const files: Record<string, string> = {
    "docs/guide.md": "# Guide\n\n## Deploying on the web\n\n## Deploying on the web\n",
    "bench/RESULTS.md": "# R\n\n### `npx.conv` (§12.10) ×2\n",
  };
  const md = [
    "[ok](docs/guide.md#deploying-on-the-web) [dup](docs/guide.md#deploying-on-the-web-1) ![p](docs/pic.png)",
    "[ok](bench/RESULTS.md#npxconv-1210-2) [web](https://example.com/x.md#y) [self](#top-heading)",
    "# Top heading",
    "```",
    "[in code](docs/none.md)",
    "```",
    "`[in a span](docs/none.md)`",
    '[gone](docs/missing.md) [bad anchor](docs/guide.md#deploying) <img src="docs/other.png"> [up](../outside.md)',
  ].join("\n");
  const problems = checkLinks("README.md", md, tracked, (p) => files[p] ?? "");
  assert.deepEqual(problems, [
    "README.md:8: docs/missing.md → docs/missing.md is not a file git tracks",
    "README.md:8: docs/guide.md#deploying → no heading with id #deploying in docs/guide.md",
    "README.md:8: ../outside.md leaves the repository",
    "README.md:8: docs/other.png → docs/other.png is not a file git tracks",
  ]);
  assert.deepEqual(
    checkLinks("docs/guide.md", "![p](./pic.png) [r](../README.md) [no](docs/pic.png)", tracked, () => ""),
    ["docs/guide.md:1: docs/pic.png → docs/docs/pic.png is not a file git tracks"],
  );
});

test("every relative link and image in README.md, CONTRIBUTING.md, docs/*.md and bench/*.md points to a tracked file and an existing heading", (t) => {
  if (!existsSync(join(ROOT, ".git"))) {
    t.skip("not a git checkout (an unpacked tarball): nothing to compare with");
    return;
  }
  const tracked = trackedFiles();
  const pages = [...tracked].filter((f) => ["README.md", "CONTRIBUTING.md"].includes(f) || /^(docs|bench)\/[^/]+\.md$/.test(f));
  assert.ok(pages.includes("README.md") && pages.filter((f) => f.startsWith("docs/")).length >= 5, `pages: ${pages.join(", ")}`);
  const read = (p: string) => readFileSync(join(ROOT, normalize(p)), "utf8");
  const problems = pages.flatMap((f) => checkLinks(f, read(f), tracked, read));
  assert.deepEqual(problems, []);
});

test("the README stays a front door: short, and it links every guide under docs/", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const lines = readme.split("\n").length;
  assert.ok(lines <= 200, `README.md has ${lines} lines; move sections into a guide under docs/`);
  const guides = trackedOrPresentGuides();
  const linked = new Set(linksOf(readme).map((l) => l.target.split("#")[0]));
  assert.deepEqual(
    guides.filter((g) => !linked.has(g)),
    [],
    "guides the README does not link",
  );
});

function trackedOrPresentGuides(): string[] {
  if (!existsSync(join(ROOT, ".git"))) return [];
  return [...trackedFiles()].filter((f) => /^docs\/[^/]+\.md$/.test(f) && dirname(f) === "docs");
}
