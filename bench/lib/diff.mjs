// Agreement measures the bench pages print (pure functions: bundled into browser pages and imported in Node alike).

/** The largest |a[i] − b[i]| (Infinity for different lengths; NaN propagates). */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates
  }
  return m;
}

/** The largest |a[i]|. */
export function maxAbs(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
