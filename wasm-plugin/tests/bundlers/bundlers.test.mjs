// The package as the bundlers people use build it: a tiny app (tests/bundlers/app) that imports
// `piapi-billing-wasm` by name is built with Vite, webpack 5 and esbuild (installed, pinned,
// by scripts/setup-wasm.sh into .tools/bundlers), each build is served from a local static
// server and opened in headless Chromium, and every golden vector run through the bundled
// module in the page must give the golden answer.
//
// The package is installed into the app's node_modules as `npm pack` would ship it: exactly
// the files its package.json lists.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../browser/static-server.mjs";
import { Session, startChromedriver } from "../browser/webdriver.mjs";
import { goldenFiles, pkgDir, repoDir } from "../js/support.mjs";

const appDir = fileURLToPath(new URL("./app/", import.meta.url));
const tools = join(repoDir, ".tools/bundlers/node_modules");
const CHROMIUM = "/usr/bin/chromium";
const CHROMEDRIVER = "/usr/bin/chromedriver";
const skip = process.env.SKIP_BROWSER === "1" ? "SKIP_BROWSER=1" : false;

let work, driver, session, profile;

before(async () => {
  if (skip) return;
  for (const tool of ["vite", "webpack", "esbuild"]) {
    assert.ok(existsSync(join(tools, tool, "package.json")), `${tool} is missing from ${tools}: run scripts/setup-wasm.sh`);
  }
  assert.ok(existsSync(CHROMIUM) && existsSync(CHROMEDRIVER), "chromium and chromedriver are needed: run scripts/setup-wasm.sh");
  work = mkdtempSync(join(tmpdir(), "piapi-billing-bundlers-"));
  for (const f of readdirSync(appDir)) copyFileSync(join(appDir, f), join(work, f));
  const installed = join(work, "node_modules/piapi-billing-wasm");
  mkdirSync(installed, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  for (const f of ["package.json", ...manifest.files]) copyFileSync(join(pkgDir, f), join(installed, f));
  driver = await startChromedriver(CHROMEDRIVER);
  profile = mkdtempSync(join(tmpdir(), "piapi-billing-chromium-"));
  session = await Session.create(driver.base, [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", `--user-data-dir=${profile}`,
  ], CHROMIUM);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.stop();
  for (const dir of [work, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the bundled module answers for every golden vector, run in the page. */
const RUN_GOLDEN = `
  const [cases, fns] = arguments;
  return cases.map((c) => {
    try {
      return JSON.parse(JSON.stringify(window.billing[fns[c.tool]](c.args)));
    } catch (e) {
      if (e && e.name === "BillingError") return { error: { code: e.code, message: e.message } };
      return { thrown: String(e) };
    }
  });`;
const FUNCTIONS = {
  estimate_cost: "estimateCost", precheck_credits: "precheckCredits", list_plans: "listPlans",
  list_prices: "listPrices", quote_top_up: "quoteTopUp", price_inputs: "priceInputs", catalog_report: "catalogReport",
};

/** Serves `dist`, opens it in Chromium and checks the page's answers against the golden vectors. */
async function checkInBrowser(dist) {
  const server = await serveStatic(dist);
  try {
    await session.goto(`http://127.0.0.1:${server.address().port}/`);
    const ready = await session.waitFor("return document.body.dataset.ready || (window.__error && 'error')");
    assert.equal(ready, "true");
    assert.equal(await session.text("#total"), "2.00");
    const cases = goldenFiles().flatMap((f) => f.cases.map((c) => ({ ...c, file: f.name })));
    const got = await session.script(RUN_GOLDEN, cases.map(({ tool, args }) => ({ tool, args })), FUNCTIONS);
    assert.equal(got.length, cases.length);
    cases.forEach((c, i) => assert.deepStrictEqual(got[i], c.expected, `${c.file}: ${c.name}`));
    return cases.length;
  } finally {
    server.close();
  }
}

/** A page that loads a bundle that is not an HTML build of its own. */
function page(dist, script) {
  const html = readFileSync(join(appDir, "index.html"), "utf8").replace(/<script[^>]*><\/script>/, script);
  writeFileSync(join(dist, "index.html"), html);
}

test("Vite builds the app, and the bundled module answers every golden vector", { skip }, async () => {
  const dist = join(work, "dist-vite");
  execFileSync(process.execPath, [join(tools, "vite/bin/vite.js"), "build", work, "--outDir", dist, "--emptyOutDir", "--base", "./", "--logLevel", "warn"], { cwd: work, stdio: "pipe" });
  assert.ok(readdirSync(join(dist, "assets")).some((f) => f.endsWith(".wasm")), "Vite emitted the .wasm as an asset");
  assert.ok((await checkInBrowser(dist)) > 0);
});

test("webpack 5 builds the app, and the bundled module answers every golden vector", { skip }, async () => {
  const dist = join(work, "dist-webpack");
  const webpack = createRequire(import.meta.url)(join(tools, "webpack"));
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: work, entry: "./main.js", output: { path: dist, filename: "main.js" } }, (err, s) => (err ? reject(err) : resolve(s))),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), "webpack emitted the .wasm as an asset");
  page(dist, `<script src="main.js" defer></script>`);
  assert.ok((await checkInBrowser(dist)) > 0);
});

test("esbuild bundles the app (the .wasm copied next to the bundle), and it answers every golden vector", { skip }, async () => {
  // esbuild leaves `new URL("./piapi_billing_wasm_bg.wasm", import.meta.url)` as it is, so the
  // module is looked for next to the bundle: the package README says to copy it there.
  const dist = join(work, "dist-esbuild");
  execFileSync(join(tools, "esbuild/bin/esbuild"), ["main.js", "--bundle", "--format=esm", "--platform=browser", `--outdir=${dist}`, "--log-level=warning"], { cwd: work, stdio: "pipe" });
  copyFileSync(join(work, "node_modules/piapi-billing-wasm/piapi_billing_wasm_bg.wasm"), join(dist, "piapi_billing_wasm_bg.wasm"));
  page(dist, `<script type="module" src="main.js"></script>`);
  assert.ok((await checkInBrowser(dist)) > 0);
});
