// PyTorch → tconv → PyTorch: loads the DCGAN generator PyTorch saved, runs it, saves it for PyTorch (docs/guide-save-load.md).
//   npx tsx examples/pytorch-roundtrip.ts [out.safetensors]   then   /usr/bin/python3 scripts/fixtures/make-safetensors.py check
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nn, np } from "../src/index.js";
import { parseSafetensors, readTensor } from "../src/io/safetensors.js";
import { readFileSync } from "node:fs";

const DIR = fileURLToPath(new URL("../test/fixtures/safetensors/", import.meta.url));

// the same structure as PyTorch's nn.Sequential(ConvTranspose2d(16, 32, 4, 1, 0, bias=False), BatchNorm2d(32), ReLU(), …)
const up = (channels: number, strides: number, padding: number) => new nn.Conv2DTranspose(channels, { kernelSize: 4, strides, padding, useBias: false });
const G = new nn.Sequential().add(
  up(32, 1, 0),
  new nn.BatchNorm(),
  new nn.Activation("relu"),
  up(16, 2, 1),
  new nn.BatchNorm(),
  new nn.Activation("relu"),
  up(3, 2, 1),
  new nn.Activation("tanh"),
);
G.initialize(); // inChannels deferred: the file's shapes complete them
G.loadParameters(join(DIR, "dcgan-f32.safetensors"));

// the noise PyTorch used (stored beside its output by the fixture script)
const io = parseSafetensors(new Uint8Array(readFileSync(join(DIR, "dcgan-f32-io.safetensors"))), "io");
const z = np.array(readTensor(io, io.entries.get("z")!, "float32", "io")).reshape(2, 16, 1, 1);
console.log(G.forward(z).at(0, 0, 0, ":4").tolist());

const out = process.argv[2] ?? join(tmpdir(), "dcgan-from-tconv.safetensors");
G.saveParameters(out, { names: "pytorch" }); // BatchNorm gamma/beta written as PyTorch's weight/bias
console.log(`saved ${out}`);
