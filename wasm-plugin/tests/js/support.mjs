// Shared helpers of the JS tests. They all run against the BUILT, OPTIMISED package in
// wasm-plugin/pkg (scripts/build-wasm.sh), never the Rust crate.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

export const pkgDir = fileURLToPath(new URL("../../pkg/", import.meta.url));
export const repoDir = fileURLToPath(new URL("../../../", import.meta.url));
export const goldenDir = `${repoDir}tests/golden/`;

const require = createRequire(import.meta.url);

/** The package as `require("piapi-billing-wasm")` gives it in Node. */
export function loadCjs() {
  return require(`${pkgDir}node.cjs`);
}

/** The single-file build, run in a bare vm context (no require, import, Buffer or TextDecoder). */
export function loadSingleFile() {
  const context = vm.createContext({});
  vm.runInContext(readFileSync(`${pkgDir}piapi-billing.single.js`, "utf8"), context, {
    filename: "piapi-billing.single.js",
  });
  return { context, api: vm.runInContext("PiapiBilling", context) };
}

/** camelCase export for a golden vector's snake_case tool name. */
export const FUNCTION_OF_TOOL = {
  estimate_cost: "estimateCost",
  precheck_credits: "precheckCredits",
  list_plans: "listPlans",
  list_prices: "listPrices",
  quote_top_up: "quoteTopUp",
  price_inputs: "priceInputs",
  catalog_report: "catalogReport",
};

/** Every golden vector file with its cases; throws when there are none. */
export function goldenFiles() {
  const names = readdirSync(goldenDir).filter((n) => n.endsWith(".json")).sort();
  if (names.length === 0) throw new Error(`no golden vector files in ${goldenDir}`);
  return names.map((name) => ({ name, cases: JSON.parse(readFileSync(goldenDir + name, "utf8")).cases }));
}

/** Runs a golden case through an API object, in the golden shape (result or {error}). */
export function runCase(api, testCase) {
  const fn = FUNCTION_OF_TOOL[testCase.tool];
  if (!fn) throw new Error(`golden case "${testCase.name}" names unknown tool ${testCase.tool}`);
  try {
    return api[fn](testCase.args);
  } catch (e) {
    if (e && e.name === "BillingError") return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

/** A small deterministic PRNG (mulberry32), so a failing fuzz case can be replayed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The error `fn` throws; fails the test when it returns instead. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a thrown error, but the call returned");
}
