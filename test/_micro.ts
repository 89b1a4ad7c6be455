const root = process.argv[2]!;
const { np } = await import(`${root}/src/index.ts`);
const a = np.array([1, 2, 3, 4]),
  b = np.array([5, 6, 7, 8]);
const big = np.random.uniform({ size: [256, 256] }),
  big2 = np.random.uniform({ size: [256, 256] });
function time(label: string, n: number, f: () => void) {
  for (let i = 0; i < n / 10; i++) f();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    runs.push(((performance.now() - t0) / n) * 1e3);
  }
  runs.sort((x, y) => x - y);
  console.log(`${label}: ${runs[2]!.toFixed(2)} µs/op`);
}
time("add 4 elements", 100000, () => a.add(b));
time("sum 4 elements", 100000, () => a.sum());
time("reshape view", 100000, () => a.reshape(2, 2));
time("add 256x256", 2000, () => big.add(big2));
time("item", 200000, () => a.at(1).item());
