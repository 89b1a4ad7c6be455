// The `npx` namespace: the ES module namespace of npx-members.ts (`npx.deconvolution`, `npx.initGpu`, …).
export * as npx from "./npx-members.js";
