// Writes the upsampling demo's test card: `npx tsx scripts/make-sample-image.ts [out.png] [size]` (default docs/sample.png 256).
import { writePNG } from "tconv/node";
import { drawTestCard } from "../examples/test-card.js";

const out = process.argv[2] ?? "docs/sample.png";
const size = Number(process.argv[3] ?? 256);
writePNG(out, drawTestCard(size));
console.log(`wrote ${out} (${size}×${size})`);
