// Builds web-dist/ (unless --no-build) and serves it on 127.0.0.1. The FIRST stdout line is the page's URL.
// PORT env selects the port (default 8080; PORT=0 picks a free one). Every response is cross-origin isolated
// (COOP same-origin + COEP require-corp), which browsers require for SharedArrayBuffer and wasm threads.
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { OUTDIR, buildWeb } from "./build.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".ico": "image/x-icon",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

// --out DIR: build into and serve DIR instead of web-dist (tests build their own copy)
const outAt = process.argv.indexOf("--out");
const root = outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : OUTDIR;
if (!process.argv.includes("--no-build")) await buildWeb({ outdir: root });

const server = createServer(async (req, res) => {
  const send = (code, body) => {
    res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", ...ISOLATION });
    res.end(body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    return send(400, "bad request\n");
  }
  if (path.endsWith("/")) path += "index.html";
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) return send(403, "forbidden\n");
  try {
    const info = await stat(file);
    if (!info.isFile()) return send(404, "not found\n");
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": info.size,
      "Cache-Control": "no-cache",
      ...ISOLATION,
    });
    if (req.method === "HEAD") return res.end();
    createReadStream(file).pipe(res);
  } catch {
    send(404, "not found\n");
  }
});

const port = Number(process.env.PORT ?? 8080);
server.on("error", (e) => {
  process.stderr.write(`web/serve: ${e.message}\n`);
  process.exit(1);
});
server.listen(Number.isInteger(port) && port >= 0 ? port : 8080, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}/\n`);
  process.stderr.write("web/serve: serving web-dist (Ctrl+C to stop)\n");
});

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 500).unref();
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
