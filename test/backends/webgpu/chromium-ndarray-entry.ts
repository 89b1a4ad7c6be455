// The page side of chromium-ndarray.test.ts: the public API (np, nn, init, npx, autograd) on navigator.gpu's device.
import { autograd, init, type NDArray, nn, np, npx } from "../../../src/index.js";

export interface NdPageResult {
  gpus: number;
  reason?: string;
  /** D2L 12.10's Conv2DTranspose outputs on the GPU, kernel 2 with no padding / padding 1 / strides 2 */
  book?: unknown[];
  /** [what, GPU values, CPU values] of a Conv2D → Conv2DTranspose network and its weight gradients */
  pairs?: [string, number[], number[]][];
  readBeforeWait?: string;
}

async function run(): Promise<NdPageResult> {
  const gpus = await npx.initGpu();
  if (gpus === 0) {
    try {
      npx.gpu();
    } catch (e) {
      return { gpus, reason: (e as Error).message };
    }
  }
  const ctx = npx.gpu();
  const X = np
    .array(
      [
        [0, 1],
        [2, 3],
      ],
      { ctx },
    )
    .reshape(1, 1, 2, 2);
  const K = np
    .array([
      [0, 1],
      [2, 3],
    ])
    .reshape(1, 1, 2, 2);
  const book: unknown[] = [];
  let readBeforeWait = "";
  for (const options of [{ kernelSize: 2 }, { kernelSize: 2, padding: 1 }, { kernelSize: 2, strides: 2 }]) {
    const tconv = new nn.Conv2DTranspose(1, options);
    tconv.initialize(init.Constant(K), { ctx });
    const Y = tconv.forward(X);
    if (readBeforeWait === "")
      try {
        Y.tolist();
        readBeforeWait = "no error";
      } catch (e) {
        readBeforeWait = (e as Error).message;
      }
    await Y.wait();
    book.push(Y.tolist());
  }
  np.random.seed(11);
  const build = () =>
    new nn.Sequential().add(
      new nn.Conv2D(4, { kernelSize: 3, strides: 2, padding: 1, inChannels: 3 }),
      new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, inChannels: 4 }),
    );
  const cpuNet = build(),
    gpuNet = build();
  cpuNet.initialize(init.Normal(0.3));
  gpuNet.initialize(init.Normal(0.3), { ctx });
  for (const [name, p] of gpuNet.collectParams().entries()) p.setData(cpuNet.collectParams().get(name).data());
  const x = np.random.uniform({ low: -1, high: 1, size: [2, 3, 8, 8] });
  const step = (net: nn.Sequential, xx: NDArray) => {
    const l = autograd.record(() => {
      const y = net.forward(xx);
      return y.mul(y).sum();
    });
    l.backward();
    return l;
  };
  const pairs: [string, number[], number[]][] = [];
  const lg = step(gpuNet, x.asInCtx(ctx)),
    lc = step(cpuNet, x);
  await lg.wait();
  pairs.push(["loss", [...lg.asTypedArray()], [...lc.asTypedArray()]]);
  for (const [name, p] of gpuNet.collectParams().entries()) {
    const g = p.grad()!;
    await g.wait();
    pairs.push([`gradient of ${name}`, [...g.asTypedArray()], [...cpuNet.collectParams().get(name).grad()!.asTypedArray()]]);
  }
  return { gpus, book, pairs, readBeforeWait };
}

(globalThis as unknown as { runNdChecks: typeof run }).runNdChecks = run;
