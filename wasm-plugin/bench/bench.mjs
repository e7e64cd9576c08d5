// Benchmarks of the BUILT package (scripts/build-wasm.sh first), for BENCHMARKS.md, each against
// its budget:
//   size          .wasm + the Node entry JS (node.cjs: the glue and the API), gzip -9 ≤ 64 KiB;
//                 the single-file build, gzip -9 ≤ 90 KiB; brotli for reference
//   first answer  a fresh `node` process: require() plus the first estimateCost of one task,
//                 median of 9 processes ≤ 8 ms (require() alone, and with Node's module loader
//                 already up, beside it)
//   per call      estimateCost on one task ≤ 20 µs, on 1,000 lines ≤ 12 ms (median of batches)
//   browser       headless Chromium (Debian's chromium + chromedriver) opens web/ from a local
//                 static server: the page's first estimate on screen ≤ 150 ms after navigation
//                 (the page's `piapi-billing:first-estimate` performance mark), median of 5
//                 fresh browser profiles, nothing of the page cached (each browser first opens
//                 another page of the server, so its own start-up is not counted: that first
//                 navigation's time is reported beside); and the same page reloaded in each
//                 (HTTP cache and compiled code warm)
// Usage: node wasm-plugin/bench/bench.mjs [--json] [--no-browser] [--pkg <dir>]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { serveStatic } from "../tests/browser/static-server.mjs";
import { Session, startChromedriver } from "../tests/browser/webdriver.mjs";
import { one, thousand } from "./inputs.mjs";

const args = process.argv.slice(2);
const pkgArg = args.indexOf("--pkg");
const pkg = pkgArg >= 0 ? resolve(args[pkgArg + 1]) + "/" : fileURLToPath(new URL("../pkg/", import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const KiB = 1024;
const BUDGET = {
  node_entry_gzip9_bytes: 64 * KiB,
  single_file_gzip9_bytes: 90 * KiB,
  first_estimate_ms: 8,
  one_task_us: 20,
  thousand_lines_ms: 12,
  browser_first_estimate_ms: 150,
};

// ---- size ----
const file = (f) => readFileSync(pkg + f);
const nodeEntry = Buffer.concat([file("piapi_billing_wasm_bg.wasm"), file("node.cjs")]);
const single = file("piapi-billing.single.js");
const size = {
  wasm_bytes: file("piapi_billing_wasm_bg.wasm").length,
  node_entry_bytes: nodeEntry.length,
  node_entry_gzip9_bytes: gzipSync(nodeEntry, { level: 9 }).length,
  node_entry_brotli11_bytes: brotliCompressSync(nodeEntry, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  single_file_bytes: single.length,
  single_file_gzip9_bytes: gzipSync(single, { level: 9 }).length,
};

// ---- first answer, in fresh processes ----
const entry = JSON.stringify(pkg + "node.cjs");
const firstProbe = `
  const t0 = performance.now();
  const b = require(${entry});
  const t1 = performance.now();
  const r = b.estimateCost(${JSON.stringify(one)});
  const t2 = performance.now();
  if (r.total_max_usd !== "2.00") throw new Error("wrong first answer: " + r.total_max_usd);
  console.log(JSON.stringify({ require_ms: t1 - t0, first_estimate_ms: t2 - t0 }));`;
// require() from a process whose module loader is already up, as in any application that has
// required something before: the first require() of anything costs Node ~1.5 ms of its own.
const warmProbe = `
  require(${JSON.stringify(pkg + "package.json")});
  const t0 = performance.now();
  require(${entry});
  console.log(JSON.stringify({ require_warm_loader_ms: performance.now() - t0 }));`;
const fresh = (script) => JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
const runs = Array.from({ length: 9 }, () => ({ ...fresh(firstProbe), ...fresh(warmProbe) }));
const first = {
  processes: runs.length,
  first_estimate_ms: median(runs.map((r) => r.first_estimate_ms)),
  require_ms: median(runs.map((r) => r.require_ms)),
  require_warm_loader_ms: median(runs.map((r) => r.require_warm_loader_ms)),
};

// ---- estimateCost per call ----
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
const perCallFigures = {
  // The smallest round trip (catalogVersion: no arguments, a 60-byte answer): the boundary's floor.
  floor_us: perCall(() => billing.catalogVersion(), 20_000, 7) / 1e3,
  one_task_us: perCall(() => billing.estimateCost(one), 5_000, 7) / 1e3,
  thousand_lines_ms: perCall(() => billing.estimateCost(thousand), 20, 7) / 1e6,
  thousand_lines_distinct_tasks: new Set(thousand.tasks.map((t) => JSON.stringify(t))).size,
};

// ---- the estimator page in headless Chromium ----
async function browserFigures() {
  const chromium = "/usr/bin/chromium";
  const chromedriver = "/usr/bin/chromedriver";
  if (!existsSync(chromium) || !existsSync(chromedriver)) return { skipped: "chromium or chromedriver missing (scripts/setup-wasm.sh)" };
  // Serve the package being measured as `pkg/` next to the page, as the repository lays it out.
  const plugin = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
  if (resolve(pkg) !== resolve(plugin, "pkg")) return { skipped: "--pkg given: the page loads wasm-plugin/pkg/" };
  const server = await serveStatic(plugin);
  const origin = `http://127.0.0.1:${server.address().port}/`;
  const url = `${origin}web/`;
  const driver = await startChromedriver(chromedriver);
  const mark = "return performance.getEntriesByName('piapi-billing:first-estimate')[0]?.startTime ?? null";
  const cold = [];
  const reloaded = [];
  const firstNavigations = [];
  try {
    for (let i = 0; i < 5; i++) {
      const profile = mkdtempSync(join(tmpdir(), "piapi-billing-bench-"));
      const session = await Session.create(driver.base, [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", `--user-data-dir=${profile}`,
      ], chromium);
      try {
        // The browser's own start-up is not the page's: a first navigation to another page of
        // the same server (nothing of the estimator's is fetched) comes before the measured one.
        await session.goto(origin);
        firstNavigations.push(await session.script("return performance.getEntriesByType('navigation')[0].duration"));
        for (const into of [cold, reloaded]) {
          await session.goto(url);
          into.push(await session.waitFor(mark));
        }
      } finally {
        await session.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    driver.stop();
    server.close();
  }
  return {
    profiles: cold.length,
    first_estimate_ms: median(cold),
    reloaded_first_estimate_ms: median(reloaded),
    browser_first_navigation_ms: median(firstNavigations),
    cold_ms: cold,
    reloaded_ms: reloaded,
  };
}
const browser = args.includes("--no-browser") ? { skipped: "--no-browser" } : await browserFigures();

const result = { node: process.version, size, first_answer: first, per_call: perCallFigures, browser };
const verdict = (value, budget) => (value == null ? "" : value <= budget ? ` ✓ (≤ ${budget})` : ` ✗ (budget ${budget})`);
if (args.includes("--json")) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kib = (n) => `${(n / KiB).toFixed(1)} KiB`;
  console.log(`node ${process.version}, package ${pkg}`);
  console.log(`size: .wasm ${size.wasm_bytes} B; wasm + Node entry JS ${size.node_entry_bytes} B, gzip -9 ${size.node_entry_gzip9_bytes} B = ${kib(size.node_entry_gzip9_bytes)}${verdict(size.node_entry_gzip9_bytes / KiB, 64)}, brotli ${size.node_entry_brotli11_bytes} B; single file ${size.single_file_bytes} B, gzip -9 ${kib(size.single_file_gzip9_bytes)}${verdict(size.single_file_gzip9_bytes / KiB, 90)}`);
  console.log(`first answer: require() + first estimateCost ${first.first_estimate_ms.toFixed(2)} ms${verdict(first.first_estimate_ms, BUDGET.first_estimate_ms)} (require() alone ${first.require_ms.toFixed(2)} ms; with Node's module loader up ${first.require_warm_loader_ms.toFixed(2)} ms; median of ${first.processes} fresh processes)`);
  console.log(`per call: boundary floor (catalogVersion) ${perCallFigures.floor_us.toFixed(2)} µs; estimateCost one task ${perCallFigures.one_task_us.toFixed(2)} µs${verdict(perCallFigures.one_task_us, BUDGET.one_task_us)}; 1,000 lines ${perCallFigures.thousand_lines_ms.toFixed(3)} ms${verdict(perCallFigures.thousand_lines_ms, BUDGET.thousand_lines_ms)} (${perCallFigures.thousand_lines_distinct_tasks} distinct tasks)`);
  if (browser.skipped) {
    console.log(`browser: skipped (${browser.skipped})`);
  } else {
    console.log(`browser: first estimate on screen ${browser.first_estimate_ms.toFixed(1)} ms after navigation${verdict(browser.first_estimate_ms, BUDGET.browser_first_estimate_ms)} (median of ${browser.profiles} fresh profiles, nothing of the page cached: ${browser.cold_ms.map((x) => x.toFixed(0)).join(", ")}); reloaded ${browser.reloaded_first_estimate_ms.toFixed(1)} ms; a fresh browser's first navigation (another page) takes ${browser.browser_first_navigation_ms.toFixed(0)} ms by itself`);
  }
}
