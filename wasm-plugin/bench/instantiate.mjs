// Where a fresh Node process's `require()` of the package goes, step by step, and A/B of
// `require()` itself between built packages. Every figure comes from a fresh process (V8 may
// reuse a module compiled from the same bytes, and Node loads its own internals on first use),
// the packages alternating so that load from other processes falls on all of them alike.
// Usage: node wasm-plugin/bench/instantiate.mjs [--runs N] <pkg dir> [<pkg dir> ...]
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "21" } },
});
const dirs = positionals.map((d) => resolve(d));
if (dirs.length === 0) {
  console.error("usage: node instantiate.mjs [--runs N] <pkg dir> [<pkg dir> ...]");
  process.exit(2);
}

// The steps the nodejs glue takes, timed one by one (the first require() of any file is
// Node's own start-up of its module loader, paid by whatever is required first).
const steps = (dir) => `
  const t = [performance.now()];
  require(${JSON.stringify(`${dir}/package.json`)});
  t.push(performance.now());
  const bytes = require("node:fs").readFileSync(${JSON.stringify(`${dir}/piapi_billing_wasm_bg.wasm`)});
  t.push(performance.now());
  const module = new WebAssembly.Module(bytes);
  t.push(performance.now());
  let exports;
  const glue = { __wbindgen_init_externref_table() { exports.__wbindgen_externrefs.set(0, undefined); } };
  exports = new WebAssembly.Instance(module, { "./piapi_billing_wasm_bg.js": glue }).exports;
  exports.__wbindgen_start();
  t.push(performance.now());
  new TextDecoder("utf-8", { ignoreBOM: true }).decode();
  t.push(performance.now());
  const d = t.slice(1).map((x, i) => x - t[i]);
  console.log(JSON.stringify({ first_require: d[0], read: d[1], compile: d[2], instance: d[3], text_decoder: d[4] }));`;
// require() as bench.mjs times it (Node's module loader starting up inside it), and as an
// application that has already required something else sees it.
const whole = (dir) => `
  const t0 = performance.now();
  require(${JSON.stringify(`${dir}/node.cjs`)});
  console.log(JSON.stringify({ require: performance.now() - t0 }));`;
const warm = (dir) => `
  require("node:fs").readFileSync(${JSON.stringify(`${dir}/package.json`)});
  require(${JSON.stringify(`${dir}/package.json`)});
  const t0 = performance.now();
  require(${JSON.stringify(`${dir}/node.cjs`)});
  console.log(JSON.stringify({ require_warm_loader: performance.now() - t0 }));`;
const fresh = (script) => JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));

const runs = Number(values.runs);
const samples = dirs.map(() => []);
for (let r = 0; r < runs; r++) {
  dirs.forEach((dir, i) => samples[i].push({ ...fresh(steps(dir)), ...fresh(whole(dir)), ...fresh(warm(dir)) }));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
dirs.forEach((dir, i) => {
  const keys = Object.keys(samples[i][0]);
  const parts = keys.map((k) => `${k} ${median(samples[i].map((s) => s[k])).toFixed(2)}`);
  const min = Math.min(...samples[i].map((s) => s.require));
  console.log(`${dir}: median of ${runs} fresh processes, ms: ${parts.join("; ")} (require min ${min.toFixed(2)})`);
});
