// A residual added to a kernel's finished result in the arena, before the copy-out (a convolution fused with the Add after it).

/** dst[i] = dst[i] + res[i] for the n floats at dst and res: float32 adds, each rounded once as the separate Add's. */
export function add_residual(dst: usize, res: usize, n: i32): void {
  let i = 0;
  for (; i + 15 < n; i += 16, dst += 64, res += 64) {
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(res)));
    v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(res, 16)), 16);
    v128.store(dst, f32x4.add(v128.load(dst, 32), v128.load(res, 32)), 32);
    v128.store(dst, f32x4.add(v128.load(dst, 48), v128.load(res, 48)), 48);
  }
  for (; i < n; i++, dst += 4, res += 4) store<f32>(dst, load<f32>(dst) + load<f32>(res));
}
