// setWorkerUrl's argument check (the browser behaviour is in test/web/csp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setWorkerUrl, threadsReady } from "../../src/index.js";

test("setWorkerUrl accepts a URL string, a URL, a function or null, and names the bad argument otherwise", async () => {
  for (const bad of [42, {}, undefined, true])
    assert.throws(
      () => setWorkerUrl(bad as never),
      /^Error: setWorkerUrl: expects a URL string, a URL, a function returning a Worker, or null; got (number|object|undefined|boolean)$/,
    );
  setWorkerUrl("/tconv-worker.js");
  setWorkerUrl(new URL("https://example.org/tconv-worker.js"));
  setWorkerUrl(() => ({ postMessage() {}, terminate() {} }));
  setWorkerUrl(null);
  // Node's workers need no script file: the pool still starts after these calls
  assert.ok((await threadsReady()) >= 1);
});
