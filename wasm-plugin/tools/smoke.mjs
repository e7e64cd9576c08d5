// Load-and-call smoke test of every entry point of a built package (scripts/build-wasm.sh):
// a module that validates can still fail to instantiate (binaryen 108's table export did).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";

const pkg = resolve(process.argv[2]);
const probe = (api) => api.quoteTopUp({ amount_usd: "700" });
const expected = probe(createRequire(import.meta.url)(join(pkg, "node.cjs")));
assert.equal(expected.credited_usd, "721.00");

const esm = await import(pathToFileURL(join(pkg, "node.mjs")).href);
assert.deepEqual(probe(esm), expected);

const { initBilling } = await import(pathToFileURL(join(pkg, "init.mjs")).href);
assert.deepEqual(probe(initBilling(readFileSync(join(pkg, "piapi_billing_wasm_bg.wasm")))), expected);

const context = vm.createContext({});
vm.runInContext(readFileSync(join(pkg, "piapi-billing.single.js"), "utf8"), context);
const single = vm.runInContext(`JSON.stringify(PiapiBilling.quoteTopUp({ amount_usd: "700" }))`, context);
assert.deepEqual(JSON.parse(single), expected);
console.log("smoke: node.cjs, node.mjs, init.mjs and the single-file build answer alike");
