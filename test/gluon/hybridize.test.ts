// Block.hybridize({ staticAlloc }): a user block's forwards reuse the last forward's intermediates, with the same results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { npx } from "../../src/npx.js";
import { autograd } from "../../src/autograd/index.js";
import { nn } from "../../src/gluon/index.js";
import { Block } from "../../src/gluon/block.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";

/** A small U-Net (skips by concatenation, k2 s2 up-convolutions): a block of the user's, not a Sequential. */
class SmallUNet extends Block {
  enc1 = new nn.Conv2D(4, { kernelSize: 3, padding: 1, activation: "relu" });
  down = new nn.MaxPool2D({ poolSize: 2 });
  enc2 = new nn.Conv2D(8, { kernelSize: 3, padding: 1, activation: "relu" });
  up = new nn.Conv2DTranspose(4, { kernelSize: 2, strides: 2 });
  dec = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1 }), new nn.BatchNorm(), new nn.Activation("relu"));
  out = new nn.Conv2D(2, { kernelSize: 1 });
  forward(x: NDArray): NDArray {
    const e1 = this.enc1.forward(x);
    const e2 = this.enc2.forward(this.down.forward(e1));
    const d = this.dec.forward(np.concatenate([this.up.forward(e2), e1], { axis: 1 }));
    return this.out.forward(d).reshape(-1);
  }
}

const scopeOf = (b: Block) => (b as unknown as { staticScope?: { reused: number } }).staticScope;

/** Two identical networks: the same seed draws both one's parameters, at their first (shape-completing) forward. */
function twins(): [SmallUNet, SmallUNet] {
  const made = [0, 1].map(() => {
    np.random.seed(11);
    const net = new SmallUNet();
    net.initialize();
    net.forward(np.zeros([1, 3, 8, 8]));
    return net;
  });
  return [made[0]!, made[1]!];
}

test("hybridize({ staticAlloc: true }): forwards reuse the intermediates, equal the plain block bit for bit, and leave earlier outputs alone", () => {
  const [plain, hybrid] = twins();
  assert.equal(hybrid.hybridize({ staticAlloc: true }), hybrid);
  const xs = [0, 1, 2].map(() => np.random.normal({ size: [2, 3, 8, 8] }));
  const outs = xs.map((x) => hybrid.forward(x));
  const copies = outs.map((y) => Float32Array.from(y.asTypedArray()));
  for (let i = 0; i < xs.length; i++) assert.deepEqual(plain.forward(xs[i]!).asTypedArray(), copies[i], `forward ${i}`);
  const again = xs.map((x) => hybrid.forward(x));
  for (let i = 0; i < xs.length; i++) {
    assert.deepEqual(again[i]!.asTypedArray(), copies[i], `repeat ${i}`);
    assert.deepEqual(outs[i]!.asTypedArray(), copies[i], `output ${i} was not overwritten by a later forward`);
  }
  assert.ok((scopeOf(hybrid)?.reused ?? 0) >= 4 * 5, `reused ${scopeOf(hybrid)?.reused} buffers`);
  // the parameters are never handed out: they equal the plain twin's after all that
  const pa = plain.collectParams().values(),
    pb = hybrid.collectParams().values();
  pa.forEach((p, i) => assert.deepEqual(pb[i]!.data().asTypedArray(), p.data().asTypedArray(), p.name));
});

test("hybridize({ staticAlloc: true }) reuses nothing while recording, and the gradients equal the plain block's", () => {
  const [plain, hybrid] = twins();
  hybrid.hybridize({ staticAlloc: true });
  const x = np.random.normal({ size: [2, 3, 8, 8] });
  plain.forward(x);
  hybrid.forward(x);
  const grads = (net: SmallUNet) => {
    const loss = autograd.record(() =>
      (() => {
        const y = net.forward(x);
        return np.sum(np.multiply(y, y));
      })(),
    );
    loss.backward();
    return net
      .collectParams()
      .values()
      .filter((p) => p.gradReq !== "null")
      .map((p) => Float32Array.from(p.grad()!.asTypedArray()));
  };
  const before = scopeOf(hybrid)?.reused ?? 0;
  assert.deepEqual(grads(hybrid), grads(plain));
  assert.equal(scopeOf(hybrid)?.reused ?? 0, before, "nothing reused under autograd.record");
});

test("hybridize: a block that keeps an array, or a SpectralNorm inside, reuses nothing; active: false and bad options", () => {
  class Keeper extends Block {
    kept: NDArray | null = null;
    inner = new nn.Conv2D(2, { kernelSize: 1 });
    forward(x: NDArray): NDArray {
      this.kept = this.inner.forward(x);
      return npx.relu(this.kept);
    }
  }
  np.random.seed(5);
  const k = new Keeper();
  k.initialize();
  const x = np.random.normal({ size: [1, 2, 4, 4] });
  // without staticAlloc the kept intermediate stays what it was
  k.forward(x);
  const kept = k.kept!;
  const keptCopy = Float32Array.from(kept.asTypedArray());
  k.forward(np.random.normal({ size: [1, 2, 4, 4] }));
  assert.deepEqual(kept.asTypedArray(), keptCopy);
  assert.equal(scopeOf(k), undefined);

  const sn = new nn.Sequential().add(new nn.SpectralNorm(new nn.Conv2D(2, { kernelSize: 1 }), { inputShape: [1, 2, 4, 4] }));
  sn.initialize();
  sn.forward(x);
  sn.hybridize({ staticAlloc: true });
  assert.equal(sn.forwardKeepsNothing(), false);
  sn.forward(x);
  sn.forward(x);
  assert.equal(scopeOf(sn), undefined, "SpectralNorm keeps its vector: no static allocation");

  const [, hybrid] = twins();
  hybrid.hybridize({ staticAlloc: true });
  hybrid.forward(np.random.normal({ size: [1, 3, 8, 8] }));
  hybrid.hybridize({ active: false });
  assert.equal(Object.getOwnPropertyDescriptor(hybrid, "forward"), undefined, "active: false removes the wrapper");
  assert.equal(hybrid.forwardKeepsNothing(), false);
  hybrid.hybridize({ staticAlloc: true });
  hybrid.hybridize({ staticAlloc: true });
  assert.equal(typeof Object.getOwnPropertyDescriptor(hybrid, "forward")?.value, "function", "a second hybridize replaces the wrapper");

  assert.throws(() => hybrid.hybridize({ staticAlloc: "yes" } as never), /SmallUNet.hybridize: staticAlloc="yes" must be true or false/);
  assert.throws(() => hybrid.hybridize({ staticAloc: true } as never), /SmallUNet.hybridize: unknown option 'staticAloc' \(did you mean 'staticAlloc'\?\)/);
});
