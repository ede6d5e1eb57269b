// Minimal ONNX model builder for the onnxruntime-node peer: a hand-written protobuf encoder for the
// few messages a one-node graph needs (ModelProto, GraphProto, NodeProto, AttributeProto,
// ValueInfoProto, TensorProto-free: every operand is a graph input). Field numbers follow onnx.proto3.

class Writer {
  private readonly bytes: number[] = [];

  varint(v: number): this {
    // Non-negative values only (dims, enums, versions): 7 bits per byte, high bit = more.
    let x = BigInt(v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (x > 0n);
    return this;
  }
  private tag(field: number, wire: number): this { return this.varint((field << 3) | wire); }
  int(field: number, v: number): this { return this.tag(field, 0).varint(v); }
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...b);
    return this;
  }
  raw(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  str(field: number, s: string): this { return this.raw(field, new TextEncoder().encode(s)); }
  msg(field: number, w: Writer): this { return this.raw(field, w.finish()); }
  finish(): Uint8Array { return Uint8Array.from(this.bytes); }
}

export type Attr = { name: string } & ({ i: number } | { s: string } | { ints: number[] } | { f: number });

function attribute(a: Attr): Writer {
  const w = new Writer().str(1, a.name);
  // AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
  if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('s' in a) w.str(4, a.s).int(20, 3);
  else { for (const v of a.ints) w.int(8, v); w.int(20, 7); }
  return w;
}

function valueInfo(name: string, shape: readonly number[]): Writer {
  // ValueInfoProto{name 1, type 2}; TypeProto{tensor_type 1}; Tensor{elem_type 1 (FLOAT = 1), shape 2};
  // TensorShapeProto{dim 1}; Dimension{dim_value 1}.
  const shapeW = new Writer();
  for (const d of shape) shapeW.msg(1, new Writer().int(1, d));
  const tensor = new Writer().int(1, 1).msg(2, shapeW);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensor));
}

/** A model with one node: inputs and the output are float tensors of the given shapes. */
export function oneNodeModel(opType: string, inputs: Record<string, readonly number[]>, output: readonly number[],
  attrs: Attr[] = [], opset = 20): Uint8Array {
  const node = new Writer();
  for (const name of Object.keys(inputs)) node.str(1, name);
  node.str(2, 'y').str(3, 'node').str(4, opType);
  for (const a of attrs) node.msg(5, attribute(a));
  // GraphProto: node 1, name 2, input 11, output 12.
  const graph = new Writer().msg(1, node).str(2, 'bench');
  for (const [name, shape] of Object.entries(inputs)) graph.msg(11, valueInfo(name, shape));
  graph.msg(12, valueInfo('y', output));
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto{domain 1, version 2}).
  return new Writer().int(1, 9).str(2, 'blendwarp-bench').msg(7, graph).msg(8, new Writer().str(1, '').int(2, opset)).finish();
}
