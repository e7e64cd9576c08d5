// Benchmarks of the BUILT package (scripts/build-wasm.sh first), for BENCHMARKS.md:
//   size         .wasm + the Node entry JS (node.cjs, which holds the glue and the API), gzip -9
//                and brotli;
//   instantiate  a fresh Node process's `require()` of the package (as the first require of
//                the process, and with Node's module loader already up), the synchronous
//                `new WebAssembly.Module` compile alone (what require() mostly is), and the
//                first answer (the built-in catalog is parsed on first use), median of 15
//                processes;
//   estimate     estimateCost on one task, and on 1,000 lines, median of repeated batches.
// Usage: node wasm-plugin/bench/bench.mjs [--json]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { one, thousand } from "./inputs.mjs";

const pkg = fileURLToPath(new URL("../pkg/", import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- size ----
const nodeEntry = ["piapi_billing_wasm_bg.wasm", "node.cjs"];
const bytes = Buffer.concat(nodeEntry.map((f) => readFileSync(pkg + f)));
const size = {
  wasm_bytes: readFileSync(pkg + "piapi_billing_wasm_bg.wasm").length,
  node_entry_bytes: bytes.length,
  node_entry_gzip9_bytes: gzipSync(bytes, { level: 9 }).length,
  node_entry_brotli11_bytes: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  single_file_bytes: readFileSync(pkg + "piapi-billing.single.js").length,
  single_file_gzip9_bytes: gzipSync(readFileSync(pkg + "piapi-billing.single.js"), { level: 9 }).length,
};

// ---- instantiate, in fresh processes ----
// The compile is timed in processes of its own: V8 may reuse a module compiled from the same
// bytes, which would flatter a require() timed after it.
const compileProbe = `
  const bytes = require("node:fs").readFileSync(${JSON.stringify(pkg + "piapi_billing_wasm_bg.wasm")});
  const c0 = performance.now();
  new WebAssembly.Module(bytes);
  console.log(JSON.stringify({ compile_ms: performance.now() - c0 }));`;
const probe = `
  const t0 = performance.now();
  const b = require(${JSON.stringify(pkg + "node.cjs")});
  const t1 = performance.now();
  b.quoteTopUp({ amount_usd: "10" });
  const t2 = performance.now();
  console.log(JSON.stringify({ require_ms: t1 - t0, first_answer_ms: t2 - t0 }));`;
// require() from a process whose module loader is already up, as in any application that has
// required something before: the first require() of anything costs Node ~1.5 ms of its own.
const warmProbe = `
  require(${JSON.stringify(pkg + "package.json")});
  const t0 = performance.now();
  require(${JSON.stringify(pkg + "node.cjs")});
  console.log(JSON.stringify({ require_warm_loader_ms: performance.now() - t0 }));`;
const fresh = (script) => JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
const runs = Array.from({ length: 15 }, () => ({ ...fresh(probe), ...fresh(warmProbe), ...fresh(compileProbe) }));
const instantiate = {
  compile_ms: median(runs.map((r) => r.compile_ms)),
  require_ms: median(runs.map((r) => r.require_ms)),
  require_warm_loader_ms: median(runs.map((r) => r.require_warm_loader_ms)),
  first_answer_ms: median(runs.map((r) => r.first_answer_ms)),
};

// ---- estimateCost ----
const billing = createRequire(import.meta.url)(pkg + "node.cjs");
if (billing.estimateCost(thousand).lines.length !== 1000) throw new Error("the 1,000-line batch must price every line");

function perCall(fn, calls, batches) {
  for (let i = 0; i < calls; i++) fn(); // warm up: let V8 tier the module up
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  return median(samples);
}
const estimate = {
  // The smallest round trip (catalogVersion: no arguments, a 60-byte answer): the boundary's floor.
  floor_us: perCall(() => billing.catalogVersion(), 20_000, 7) / 1e3,
  one_task_us: perCall(() => billing.estimateCost(one), 5_000, 7) / 1e3,
  thousand_lines_ms: perCall(() => billing.estimateCost(thousand), 20, 7) / 1e6,
  thousand_lines_distinct_tasks: new Set(thousand.tasks.map((t) => JSON.stringify(t))).size,
};

const result = { node: process.version, size, instantiate, estimate };
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`node ${process.version}`);
  console.log(`size: .wasm ${size.wasm_bytes} B; wasm + Node entry JS ${size.node_entry_bytes} B, gzip -9 ${size.node_entry_gzip9_bytes} B (${kib(size.node_entry_gzip9_bytes)}), brotli ${size.node_entry_brotli11_bytes} B; single file ${size.single_file_bytes} B, gzip -9 ${size.single_file_gzip9_bytes} B`);
  console.log(`instantiate: require() ${instantiate.require_ms.toFixed(2)} ms, ${instantiate.require_warm_loader_ms.toFixed(2)} ms with Node's module loader up (WebAssembly.Module compile alone ${instantiate.compile_ms.toFixed(2)} ms); first answer ${instantiate.first_answer_ms.toFixed(2)} ms (median of 15 fresh processes)`);
  console.log(`boundary floor (catalogVersion): ${estimate.floor_us.toFixed(2)} µs/call`);
  console.log(`estimateCost: one task ${estimate.one_task_us.toFixed(2)} µs/call; 1,000 lines ${estimate.thousand_lines_ms.toFixed(3)} ms/call (${estimate.thousand_lines_distinct_tasks} distinct tasks)`);
}
