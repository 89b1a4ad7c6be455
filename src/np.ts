// The `np` namespace: the ES module namespace of np-members.ts (`np.ones`, `np.random.uniform`, …).
export * as np from "./np-members.js";
