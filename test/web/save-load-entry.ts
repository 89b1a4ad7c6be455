// Browser bundle entry for test/web/save-load.test.ts: the library plus the safetensors reader for the fixture's inputs.
export * from "../../src/index.js";
export { parseSafetensors, readTensor } from "../../src/io/safetensors.js";
