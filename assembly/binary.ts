// Float32 add, sub, mul and div over rows (an elementwise call collapsed to [outer, inner]): each result rounded once, as the JS loops' stores.

/** the op codes of binary_rows (src/backends/wasm/elementwise.ts BINARY_CODES) */
const ADD: i32 = 0,
  SUB: i32 = 1,
  MUL: i32 = 2;

// @ts-ignore: decorator
@inline function op4(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

// @ts-ignore: decorator
@inline function op1(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  return x / y;
}

/**
 * o[r·inner + j] = a(r, j) op b(r, j) for r < outer, j < inner, where operand v's element (r, j) is at
 * v + 4·(r·vRow + j·vCol) with vCol 1 (a run along the row) or 0 (one value per row).
 */
export function binary_rows(op: i32, outer: i32, inner: i32, o: usize, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32): void {
  for (let r = 0; r < outer; r++) {
    let po = o + (<usize>(r * inner) << 2),
      pa = a + (<usize>(r * aRow) << 2),
      pb = b + (<usize>(r * bRow) << 2);
    let j = 0;
    if (aCol == 1 && bCol == 1) {
      for (; j + 3 < inner; j += 4, po += 16, pa += 16, pb += 16) v128.store(po, op4(op, v128.load(pa), v128.load(pb)));
      for (; j < inner; j++, po += 4, pa += 4, pb += 4) store<f32>(po, op1(op, load<f32>(pa), load<f32>(pb)));
    } else if (aCol == 1) {
      const y = load<f32>(pb),
        yv = f32x4.splat(y);
      for (; j + 3 < inner; j += 4, po += 16, pa += 16) v128.store(po, op4(op, v128.load(pa), yv));
      for (; j < inner; j++, po += 4, pa += 4) store<f32>(po, op1(op, load<f32>(pa), y));
    } else if (bCol == 1) {
      const x = load<f32>(pa),
        xv = f32x4.splat(x);
      for (; j + 3 < inner; j += 4, po += 16, pb += 16) v128.store(po, op4(op, xv, v128.load(pb)));
      for (; j < inner; j++, po += 4, pb += 4) store<f32>(po, op1(op, x, load<f32>(pb)));
    } else {
      const v = op1(op, load<f32>(pa), load<f32>(pb));
      for (; j < inner; j++, po += 4) store<f32>(po, v);
    }
  }
}
