// D2L §12.10 "Transposed Convolution" run in TypeScript: prints each cell's code, then its output as the book shows it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { d2l, init, nn, np, type NDArray } from "tconv";

// ---- notebook plumbing: print a cell's source (from this file) before running it --------------
const source = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
const color = process.stdout.isTTY ? (code: string, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: string, s: string) => s;

/** Prints the lines after `cell("title")` up to the next cell (or the end), with `show(expr);` shown as `expr`. */
function cell(title: string): void {
  const start = source.findIndex((l) => l.startsWith(`cell(${JSON.stringify(title)})`));
  let end = source.findIndex((l, i) => i > start && (l.startsWith("cell(") || l.startsWith("// ---- end")));
  if (end < 0) end = source.length;
  const code = source
    .slice(start + 1, end)
    .map((l) => l.replace(/^show\((.*)\);$/, "$1"))
    .join("\n")
    .trim();
  console.log(color("1;34", `\n## ${title}`));
  console.log(color("2", code.replace(/^/gm, "  ")));
}

/** Prints a value as MXNet's notebook would: arrays by numpy's repr, booleans as Python's True/False. */
function show(value: NDArray | boolean): void {
  console.log(typeof value === "boolean" ? (value ? "True" : "False") : String(value));
}

// ---- the chapter ----------------------------------------------------------------------------
cell("12.10.1 Basic 2D transposed convolution: trans_conv");
function transConv(X: NDArray, K: NDArray): NDArray {
  const [h, w] = K.shape as [number, number];
  const Y = np.zeros([X.shape[0]! + h - 1, X.shape[1]! + w - 1]);
  for (let i = 0; i < X.shape[0]!; i++) for (let j = 0; j < X.shape[1]!; j++) Y.at(`${i}:${i + h}`, `${j}:${j + w}`).iadd(X.at(i, j).mul(K));
  return Y;
}

cell("Verify the results in Fig. 12.10.1");
let X = np.array([
  [0, 1],
  [2, 3],
]);
let K = np.array([
  [0, 1],
  [2, 3],
]);
show(transConv(X, K));

cell("The same with nn.Conv2DTranspose");
[X, K] = [X.reshape(1, 1, 2, 2), K.reshape(1, 1, 2, 2)];
let tconv = new nn.Conv2DTranspose(1, { kernelSize: 2 });
tconv.initialize(init.Constant(K));
show(tconv.forward(X));

cell("12.10.2 Padding is applied to the output");
tconv = new nn.Conv2DTranspose(1, { kernelSize: 2, padding: 1 });
tconv.initialize(init.Constant(K));
show(tconv.forward(X));

cell("Strides are applied to the output as well");
tconv = new nn.Conv2DTranspose(1, { kernelSize: 2, strides: 2 });
tconv.initialize(init.Constant(K));
show(tconv.forward(X));

cell("A tconv with the conv's hyper-parameters restores the input shape");
X = np.random.uniform({ size: [1, 10, 16, 16] });
const conv = new nn.Conv2D(20, { kernelSize: 5, padding: 2, strides: 3 });
tconv = new nn.Conv2DTranspose(10, { kernelSize: 5, padding: 2, strides: 3 });
conv.initialize();
tconv.initialize();
show(tconv.forward(conv.forward(X)).shape.join() === X.shape.join());

cell("12.10.3 Analogy to matrix transposition: corr2d");
X = np.arange(9).reshape(3, 3);
K = np.array([
  [0, 1],
  [2, 3],
]);
let Y = d2l.corr2d(X, K);
show(Y);

cell("kernel2matrix");
function kernel2matrix(K: NDArray): NDArray {
  const [k, W] = [np.zeros(5), np.zeros([4, 9])];
  k.at(":2").set(K.at(0, ":"));
  k.at("3:5").set(K.at(1, ":"));
  W.at(0, ":5").set(k);
  W.at(1, "1:6").set(k);
  W.at(2, "3:8").set(k);
  W.at(3, "4:").set(k);
  return W;
}
const W = kernel2matrix(K);
show(W);

cell("Convolution is a product with W");
show(Y.eq(np.dot(W, X.reshape(-1)).reshape(2, 2)));

cell("Transposed convolution is a product with W.T");
X = np.array([
  [0, 1],
  [2, 3],
]);
Y = transConv(X, K);
show(Y.eq(np.dot(W.T, X.reshape(-1)).reshape(3, 3)));
// ---- end of the chapter

console.log(
  color(
    "2",
    `\n(d2l.transConv, d2l.corr2d and d2l.kernel2matrix ship with tconv too: ${[d2l.transConv, d2l.corr2d, d2l.kernel2matrix].map((f) => f.name).join(", ")})`,
  ),
);
