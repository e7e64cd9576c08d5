// Every entry point of the built package answers identically: Node require (CJS), Node import
// (ESM), the Workers entry (with wrangler's `.wasm` import imitated by a module hook), the
// bring-your-own-bytes entry, the single-file build in a bare vm context, and Deno.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire, register } from "node:module";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { loadCjs, loadSingleFile, pkgDir, repoDir } from "./support.mjs";

const KLING = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } };
/** A few calls whose answers every entry must agree on. */
const probe = (api) =>
  JSON.parse(
    JSON.stringify({
      estimate: api.estimateCost({ tasks: [KLING, { model: "Qubico/flux1-dev", task_type: "txt2img", count: 3 }] }),
      precheck: api.precheckCredits({ tasks: [KLING], balance_usd: 1.5 }),
      plans: api.listPlans(),
      prices: api.listPrices({ model: "kling" }),
      topUp: api.quoteTopUp({ amount_usd: "2701" }),
      catalog: api.catalogVersion(),
    }),
  );

const expected = probe(loadCjs());
const importPkg = (file) => import(pathToFileURL(pkgDir + file).href);

test("require() gives the API synchronously", () => {
  assert.equal(expected.estimate.lines[0].max_usd, "2.00");
  assert.equal(expected.catalog.catalog_version, "2026-12");
});

test("Node ESM import (node.mjs) answers identically", async () => {
  const esm = await importPkg("node.mjs");
  assert.deepStrictEqual(probe(esm), expected);
  assert.deepStrictEqual(probe(esm.default), expected);
  assert.equal(typeof esm.BillingError, "function");
});

test("the package.json exports map resolves for require and import", async () => {
  const manifest = JSON.parse(readFileSync(pkgDir + "package.json", "utf8"));
  const root = manifest.exports["."];
  assert.equal(root.node.require, "./node.cjs");
  assert.equal(root.node.import, "./node.mjs");
  for (const file of [...manifest.files]) assert.ok(existsSync(pkgDir + file), `${file} is listed but missing`);
});

test("the files package.json publishes are all that require and import need", async () => {
  // What `npm pack` ships: a file an entry loads but `files` omits breaks only the installed package.
  const manifest = JSON.parse(readFileSync(pkgDir + "package.json", "utf8"));
  const dir = mkdtempSync(`${tmpdir()}/piapi-billing-pack-`);
  try {
    for (const file of ["package.json", ...manifest.files]) copyFileSync(pkgDir + file, `${dir}/${file}`);
    assert.deepStrictEqual(probe(createRequire(import.meta.url)(`${dir}/node.cjs`)), expected);
    assert.deepStrictEqual(probe(await import(pathToFileURL(`${dir}/node.mjs`).href)), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Workers entry (workerd.mjs, .wasm imported as a compiled module)", async () => {
  register(pathToFileURL(new URL("./wasm-loader-hooks.mjs", import.meta.url).pathname).href);
  const worker = await importPkg("workerd.mjs");
  assert.deepStrictEqual(probe(worker), expected);
});

test("bring-your-own-bytes entry (init.mjs) answers identically", async () => {
  const { initBilling } = await importPkg("init.mjs");
  const api = initBilling(new WebAssembly.Module(readFileSync(pkgDir + "piapi_billing_wasm_bg.wasm")));
  assert.deepStrictEqual(probe(api), expected);
});

test("single-file build runs in a bare vm context with no require", () => {
  const { context, api } = loadSingleFile();
  for (const missing of ["require", "module", "process", "Buffer", "TextDecoder", "TextEncoder", "fetch", "atob"]) {
    assert.equal(typeof context[missing], "undefined", `${missing} must not exist in the bare context`);
  }
  assert.deepStrictEqual(probe(api), expected);
  // Non-ASCII text crosses the boundary intact in both directions (its own UTF-8 code).
  const err = (() => {
    try {
      api.estimateCost({ tasks: [{ model: "klïng💸", task_type: "video_generation" }], plan: "gōld" });
    } catch (e) {
      return e;
    }
  })();
  assert.match(err.message, /gōld/);
});

const deno = `${repoDir}.tools/npm/node_modules/.bin/deno`;
test("Deno imports the ESM entry and answers identically", () => {
  assert.ok(existsSync(deno), `${deno} is missing: run scripts/setup-wasm.sh`);
  const script = `
    const api = await import(${JSON.stringify(pathToFileURL(pkgDir + "node.mjs").href)});
    const KLING = ${JSON.stringify(KLING)};
    const probe = ${probe.toString()};
    console.log(JSON.stringify(probe(api)));`;
  const out = execFileSync(deno, ["eval", "--no-config", "--quiet", script], {
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", DENO_DIR: `${repoDir}.tools/deno-cache` },
    timeout: 60_000,
  });
  assert.deepStrictEqual(JSON.parse(out), expected);
});
