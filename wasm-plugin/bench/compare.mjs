// A/B timing of built packages on a shared machine: alternates short batches between the
// packages so that load from other processes falls on all of them alike, and reports each
// one's fastest batch (the least disturbed), per call. For choosing build settings; the
// budget figures come from bench.mjs.
// Usage: node wasm-plugin/bench/compare.mjs <pkg dir> [<pkg dir> ...]
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { one, thousand } from "./inputs.mjs";

const dirs = process.argv.slice(2).map((d) => resolve(d));
if (dirs.length === 0) {
  console.error("usage: node compare.mjs <pkg dir> [<pkg dir> ...]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const apis = dirs.map((d) => require(`${d}/node.cjs`));

// Every package must give the same answers before its speed means anything.
const reference = JSON.stringify(apis[0].estimateCost(thousand));
apis.forEach((api, i) => {
  if (JSON.stringify(api.estimateCost(thousand)) !== reference) throw new Error(`${dirs[i]} answers differently`);
});

const batch = (fn, n) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
};
for (const api of apis) {
  batch(() => api.estimateCost(one), 20_000); // warm up: let V8 tier the module up
  batch(() => api.estimateCost(thousand), 20);
}
const best = dirs.map(() => ({ floor: Infinity, one: Infinity, thousand: Infinity }));
for (let round = 0; round < 25; round++) {
  apis.forEach((api, i) => {
    best[i].floor = Math.min(best[i].floor, batch(() => api.catalogVersion(), 5_000) / 1e3);
    best[i].one = Math.min(best[i].one, batch(() => api.estimateCost(one), 1_000) / 1e3);
    best[i].thousand = Math.min(best[i].thousand, batch(() => api.estimateCost(thousand), 3) / 1e6);
  });
}
dirs.forEach((d, i) => {
  const b = best[i];
  console.log(`${d}: catalogVersion ${b.floor.toFixed(2)} µs; one task ${b.one.toFixed(2)} µs; 1,000 lines ${b.thousand.toFixed(3)} ms`);
});
