// The vendored ONNX Conv / ConvTranspose conformance cases (test/fixtures/onnx/*.json) and their attributes as tconv options.
import { readdirSync, readFileSync } from "node:fs";
import type { ConvOptions } from "../../src/index.js";

export interface OnnxTensor {
  name: string;
  shape: number[];
  data: number[];
}
export interface OnnxCase {
  name: string;
  op: "Conv" | "ConvTranspose";
  attributes: Record<string, unknown>;
  inputs: OnnxTensor[];
  output: OnnxTensor;
}

/** The folder of the vendored cases. */
export const onnxFixtureDir = new URL("../fixtures/onnx/", import.meta.url);

/** Every case, in file-name order. */
export const onnxCases: OnnxCase[] = readdirSync(onnxFixtureDir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, onnxFixtureDir), "utf8")) as OnnxCase);

/** ONNX attributes → tconv options (kernel_shape comes from the weight). */
export function onnxOptions(a: Record<string, unknown>, nd: number): ConvOptions {
  const o: ConvOptions = {};
  if (a.strides) o.strides = a.strides as number[];
  if (a.dilations) o.dilation = a.dilations as number[];
  if (a.group) o.groups = a.group as number;
  if (a.output_padding) o.outputPadding = a.output_padding as number[];
  if (a.output_shape) o.outputShape = a.output_shape as number[];
  const pads = a.pads as number[] | undefined;
  if (pads) o.padding = Array.from({ length: nd }, (_, i) => [pads[i]!, pads[i + nd]!] as [number, number]);
  const auto = a.auto_pad as string | undefined;
  if (auto === "SAME_UPPER") o.padding = "same";
  else if (auto === "SAME_LOWER") o.padding = "same-lower";
  else if (auto === "VALID") o.padding = "valid";
  return o;
}
