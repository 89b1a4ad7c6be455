// Sequential's reuse of dead intermediates outside autograd.record: same results, and never a buffer someone still holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { npx } from "../../src/npx.js";
import { autograd } from "../../src/autograd/index.js";
import { nn } from "../../src/gluon/index.js";
import { Block } from "../../src/gluon/block.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";

/** D2L's DCGAN generator at small widths: Conv2DTranspose, BatchNorm + ReLU (fused when predicting), tanh. */
function generator(): InstanceType<typeof nn.Sequential> {
  const net = new nn.Sequential();
  for (const [c, s, p] of [
    [32, 1, 0],
    [16, 2, 1],
    [8, 2, 1],
  ] as const)
    net.add(new nn.Conv2DTranspose(c, { kernelSize: 4, strides: s, padding: p, useBias: false }), new nn.BatchNorm(), new nn.Activation("relu"));
  net.add(new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, useBias: false }), new nn.Activation("tanh"));
  return net;
}

/** A block tconv knows nothing about: it may keep what it is given, so its chain reuses nothing. */
class Keeper extends Block {
  kept: NDArray | null = null;
  forward(x: NDArray): NDArray {
    this.kept = x;
    return x;
  }
}

const reused = (net: object) => (net as { recycler?: { reused: number } }).recycler?.reused ?? 0;

test("Sequential of built-in layers: forwards reuse buffers, equal a chain that reuses none bit for bit, and leave earlier outputs alone", () => {
  np.random.seed(3);
  const net = generator();
  net.initialize();
  const x = np.random.normal({ size: [4, 16, 1, 1] });
  autograd.record(() => net.forward(x)); // BatchNorm statistics move away from 0/1 (train mode)
  const first = net.forward(x);
  const firstCopy = Float32Array.from(first.asTypedArray());
  const second = net.forward(x);
  assert.deepEqual(second.asTypedArray(), firstCopy);
  assert.deepEqual(first.asTypedArray(), firstCopy, "the first output was not reused");
  assert.ok(reused(net) >= 4, `${reused(net)} buffers reused`);
  // the same layers behind a block that may keep its input: no reuse anywhere in the chain
  const plain = new nn.Sequential();
  const keeper = new Keeper();
  for (let i = 0; i < net.length; i++) plain.add(net.at(i));
  plain.add(keeper);
  assert.equal(plain.forwardKeepsNothing(), false);
  assert.deepEqual(plain.forward(x).asTypedArray(), firstCopy);
  assert.equal(reused(plain), 0);
});

test("Sequential reuses nothing around a block that keeps its input, or a built-in layer whose forward is overridden", () => {
  np.random.seed(4);
  class CachingDense extends nn.Dense {
    seen: NDArray | null = null;
    override forward(x: NDArray): NDArray {
      this.seen = x;
      return super.forward(x);
    }
  }
  const caching = new CachingDense(6);
  const keeper = new Keeper();
  for (const [net, holder] of [
    [new nn.Sequential().add(new nn.Dense(8), keeper, new nn.Dense(5), new nn.Dense(4)), keeper],
    [new nn.Sequential().add(new nn.Dense(8), caching, new nn.Dense(5), new nn.Dense(4)), caching],
  ] as const) {
    net.initialize();
    assert.equal(net.forwardKeepsNothing(), false);
    const x = np.random.normal({ size: [3, 7] });
    net.forward(x);
    const held = holder instanceof Keeper ? holder.kept! : (holder as CachingDense).seen!;
    const copy = Float32Array.from(held.asTypedArray());
    net.forward(np.random.normal({ size: [3, 7] }));
    net.forward(x);
    assert.deepEqual(held.asTypedArray(), copy, "what the block kept is intact");
  }
});

test("Sequential reuse with views and nesting: Flatten's view, Dropout's identity and an inner Sequential give the unreused results", () => {
  np.random.seed(5);
  // Dense(144)'s output [2, 144] has the size of the buffer Flatten's view reads: a wrongly freed buffer would be its output
  const inner = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1 }), new nn.Activation("relu"));
  const net = new nn.Sequential().add(
    new nn.Conv2D(6, { kernelSize: 3, padding: 1 }),
    inner,
    new nn.Dropout(0.5),
    new nn.Flatten(),
    new nn.Dense(144),
    new nn.Dense(5),
  );
  net.initialize();
  assert.equal(net.forwardKeepsNothing(), true);
  const x = np.random.normal({ size: [2, 3, 6, 6] });
  // the reference: each layer by hand, every intermediate kept
  const byHand = (v: NDArray) => {
    let y = v;
    for (let i = 0; i < net.length; i++) y = net.at(i).forward(y) as NDArray;
    return y;
  };
  const want = Float32Array.from(byHand(x).asTypedArray());
  const outs = [net.forward(x), net.forward(x), net.forward(x)];
  for (const o of outs) assert.deepEqual(o.asTypedArray(), want);
  assert.ok(reused(net) >= 2, `${reused(net)} buffers reused`);
  // recording: nothing is reused and gradients flow
  const y = autograd.record(() => npx.relu(net.forward(x.attachGrad())));
  y.backward();
  assert.ok(x.grad!.asTypedArray().some((v) => v !== 0));
});
