// Minimal protobuf encoder for the few ONNX messages the bench needs
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto). Field numbers follow onnx/onnx.proto3.
// Builds a one-node Conv / ConvTranspose model whose weight is an initializer,
// so no model file is downloaded or stored.

const textEncoder = new TextEncoder();

class Writer {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  bytes(u8) {
    this.chunks.push(u8);
    this.length += u8.length;
    return this;
  }
  varint(value) {
    // Non-negative integers up to 2^53 (enough for dims, enum values, ids).
    if (!(Number.isInteger(value) && value >= 0)) throw new Error(`varint: bad value ${value}`);
    const out = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return this.bytes(Uint8Array.from(out));
  }
  tag(field, wireType) {
    return this.varint(field * 8 + wireType);
  }
  uint(field, value) {
    return this.tag(field, 0).varint(value);
  }
  lenDelim(field, u8) {
    return this.tag(field, 2).varint(u8.length).bytes(u8);
  }
  string(field, s) {
    return this.lenDelim(field, textEncoder.encode(s));
  }
  message(field, writer) {
    return this.lenDelim(field, writer.finish());
  }
  packedUints(field, values) {
    const w = new Writer();
    for (const v of values) w.varint(v);
    return this.lenDelim(field, w.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INTS = 7; // AttributeProto.AttributeType.INTS
const ATTR_INT = 2;

function tensorProto(name, dims, data /* Float32Array */) {
  const w = new Writer();
  w.packedUints(1, dims); // dims
  w.uint(2, FLOAT); // data_type
  w.string(8, name); // name
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // little-endian float32
  w.lenDelim(9, raw); // raw_data
  return w;
}

function attrInts(name, ints) {
  const w = new Writer();
  w.string(1, name);
  w.packedUints(8, ints); // ints
  w.uint(20, ATTR_INTS); // type
  return w;
}

function attrInt(name, i) {
  const w = new Writer();
  w.string(1, name);
  w.uint(3, i); // i
  w.uint(20, ATTR_INT);
  return w;
}

function valueInfo(name, dims) {
  const shape = new Writer();
  for (const d of dims) shape.message(1, new Writer().uint(1, d)); // dim { dim_value }
  const tensorType = new Writer().uint(1, FLOAT).message(2, shape); // elem_type, shape
  const type = new Writer().message(1, tensorType); // TypeProto.tensor_type
  return new Writer().string(1, name).message(2, type);
}

/**
 * Build a serialized ONNX model with a single Conv or ConvTranspose node.
 * @param {object} o
 * @param {"Conv"|"ConvTranspose"} o.op
 * @param {number[]} o.xShape  NCHW input shape
 * @param {number[]} o.wShape  Conv: [Cout, Cin, kh, kw]; ConvTranspose: [Cin, Cout, kh, kw]
 * @param {Float32Array} o.w   weight data (becomes an initializer)
 * @param {number[]} o.yShape  NCHW output shape
 * @param {number[]} o.strides [sh, sw]
 * @param {number[]} o.pads    [ph, pw] (symmetric)
 * @param {number[]} [o.outputPadding] ConvTranspose only
 * @returns {Uint8Array}
 */
export function buildConvModel({ op, xShape, wShape, w, yShape, strides, pads, outputPadding }) {
  const node = new Writer();
  node.string(1, "x").string(1, "w"); // inputs
  node.string(2, "y"); // output
  node.string(3, "node0");
  node.string(4, op);
  node.message(5, attrInts("kernel_shape", [wShape[2], wShape[3]]));
  node.message(5, attrInts("strides", strides));
  node.message(5, attrInts("pads", [pads[0], pads[1], pads[0], pads[1]]));
  node.message(5, attrInts("dilations", [1, 1]));
  node.message(5, attrInt("group", 1));
  if (op === "ConvTranspose" && outputPadding && (outputPadding[0] || outputPadding[1])) {
    node.message(5, attrInts("output_padding", outputPadding));
  }

  const graph = new Writer();
  graph.message(1, node);
  graph.string(2, "tconv_bench");
  graph.message(5, tensorProto("w", wShape, w));
  graph.message(11, valueInfo("x", xShape));
  graph.message(12, valueInfo("y", yShape));

  const opset = new Writer().string(1, "").uint(2, 13); // default domain, opset 13
  const model = new Writer();
  model.uint(1, 8); // ir_version 8
  model.string(2, "tconv-bench");
  model.message(7, graph);
  model.message(8, opset);
  return model.finish();
}
