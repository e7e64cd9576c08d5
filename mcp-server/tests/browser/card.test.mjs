// The estimate card in a real host, end to end: headless Chromium (Debian's chromium and
// chromium-driver) runs the test host (host.mjs: the official AppBridge of
// @modelcontextprotocol/ext-apps and the official MCP client), which talks to the real
// piapi-billing-mcp binary over streamable HTTP and renders the card through a sandbox proxy
// on another origin under the spec's default Content-Security-Policy (plus 'wasm-unsafe-eval').
//
// Run by scripts/test-app.sh, which builds the card, the server and the tools first. Needs
// PIAPI_BILLING_MCP_BIN (the binary) and APP_NODE_MODULES / ESBUILD_NODE_MODULES (where
// scripts/setup-mcp.sh and scripts/setup-wasm.sh installed the host side and esbuild).
// Screenshots go to tests/artifacts/ (git-ignored).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Session, startChromedriver } from "../../../wasm-plugin/tests/browser/webdriver.mjs";
import { startHarness, startMcpServer } from "./harness.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const artifacts = fileURLToPath(new URL("../../../tests/artifacts/", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const CHROMEDRIVER = "/usr/bin/chromedriver";
const BUDGET_GZIP_BYTES = 200 * 1024;
const FIRST_FIGURES_BUDGET_MS = 200;

let mcp, mcpOverlay, harness, driver, session, profile, work;
/** The price the overlaid server charges per second of Kling 3.0 pro with audio. */
const OVERLAY_PRICE = "0.30";

before(async () => {
  for (const [what, path] of [["chromium", CHROMIUM], ["chromedriver", CHROMEDRIVER]]) {
    assert.ok(existsSync(path), `${what} is needed at ${path}: run scripts/setup-wasm.sh`);
  }
  const binary = process.env.PIAPI_BILLING_MCP_BIN;
  assert.ok(binary && existsSync(binary), "PIAPI_BILLING_MCP_BIN must name the server binary (scripts/test-app.sh sets it)");
  work = mkdtempSync(join(tmpdir(), "piapi-billing-card-"));
  await bundleHost(join(work, "host.js"));
  mcp = await startMcpServer(binary, join(work, "ledger.log"));
  const overlay = join(work, "overlay.json");
  writeFileSync(overlay, JSON.stringify({ name: "negotiated", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: OVERLAY_PRICE }] }));
  mcpOverlay = await startMcpServer(binary, join(work, "ledger-overlay.log"), ["--price-overlay", overlay]);
  const file = (name, type) => ({ file: join(here, name), type });
  harness = await startHarness({
    relays: { "/mcp": mcp.url, "/mcp-overlay": mcpOverlay.url },
    files: {
      "/host.html": file("host.html", "text/html; charset=utf-8"),
      "/host.js": { file: join(work, "host.js"), type: "text/javascript" },
      "/sandbox.html": file("sandbox.html", "text/html; charset=utf-8"),
      "/sandbox.js": file("sandbox.js", "text/javascript"),
    },
  });
  driver = await startChromedriver(CHROMEDRIVER);
  profile = join(work, "profile");
  session = await Session.create(driver.base, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", `--user-data-dir=${profile}`, "--window-size=900,1400",
  ], CHROMIUM);
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.stop();
  harness?.server.close();
  mcp?.child.kill("SIGTERM");
  mcpOverlay?.child.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
});

/** host.mjs and what it imports from npm, as one browser script. */
async function bundleHost(out) {
  const esbuild = createRequire(join(process.env.ESBUILD_NODE_MODULES, "noop.js"))("esbuild");
  await esbuild.build({
    entryPoints: [join(here, "host.mjs")], bundle: true, outfile: out, format: "esm",
    platform: "browser", target: "es2022", nodePaths: [process.env.APP_NODE_MODULES], logLevel: "error",
  });
}

/** Opens the host page and waits until the card has its tool result (or `until` holds). */
async function openHost(params = {}, until = "window.host.ready") {
  const query = new URLSearchParams(params).toString();
  await session.top();
  await session.goto(`http://127.0.0.1:${harness.port}/host.html${query ? `?${query}` : ""}`);
  await session.waitFor(`return window.host && (${until} || window.host.error)`, 30_000);
  const error = await session.script("return window.host.error");
  assert.equal(error, null, `the test host failed: ${error}`);
}

/** Switches into the card's document (the sandbox proxy's inner frame). */
async function intoCard() {
  await session.top();
  await session.frame("#app");
  await session.frame("iframe");
}

const option = (task, field, value) => `select[data-task='${task}'][data-field='${field}'] option[value='${JSON.stringify(value)}']`;
const toolCallsSince = (mark) => harness.requests.slice(mark).filter((r) => r.method === "tools/call");

async function screenshot(name) {
  await session.top();
  writeFileSync(join(artifacts, name), await session.screenshot());
}

test("the card prices Kling 3.0 pro 10 s with audio at $2.00, recomputes 5 s in WebAssembly, and reserves", async () => {
  await openHost({ theme: "light" });
  // The account's budget, granted by the test itself (not by the card).
  const grant = await session.script("return window.host.call('grant_credits', {grant_id: 'card-test', amount_usd: '10'})");
  assert.notEqual(grant.isError, true, JSON.stringify(grant));
  await intoCard();
  await session.waitFor("return document.getElementById('total')?.textContent === '$2.00'");
  assert.equal(await session.text("#points"), "20,000,000 points");
  assert.equal(await session.text("#line-0 .price"), "$2.00");
  await session.top();
  const result = await session.script("return window.host.result.structuredContent");
  await intoCard();
  const facts = await session.text("#line-0 .line-facts");
  assert.match(facts, /10 × \$0\.20 per second/);
  assert.ok(facts.includes(`freeze $${result.lines[0].freeze_usd}`), facts);
  assert.ok(facts.includes(`confidence ${result.lines[0].confidence}`), facts);
  const figuresAt = Number(await session.script("return document.body.dataset.figuresAt"));
  await session.waitFor("return document.body.dataset.editable === 'true'");
  assert.equal(await session.script("return document.body.dataset.mode"), "local");
  console.log(`WebAssembly ready ${await session.script("return document.body.dataset.wasmReadyMs")} ms after the card started loading`);

  await session.top();
  const resultSentAt = await session.script("return window.host.resultSentAt");
  const firstFiguresMs = figuresAt - resultSentAt;
  console.log(`first figures ${firstFiguresMs.toFixed(1)} ms after the host sent the tool result`);
  assert.ok(firstFiguresMs >= 0 && firstFiguresMs <= FIRST_FIGURES_BUDGET_MS, `${firstFiguresMs} ms`);

  const mark = harness.requests.length;
  await intoCard();
  await session.click(option(0, "duration", 5));
  await session.waitFor("return document.getElementById('total').textContent === '$1.00'");
  assert.equal(await session.text("#points"), "10,000,000 points");
  assert.deepEqual(toolCallsSince(mark), [], "a changed input must not call a tool");
  console.log(`recompute in WebAssembly ${await session.script("return document.body.dataset.recomputeMs")} ms`);

  await intoCard();
  // What the hold will be, from the core in WebAssembly.
  await session.waitFor("return document.getElementById('reserve-button').textContent === 'Reserve $1.00'");
  await session.click("#reserve-button");
  await session.waitFor("return document.getElementById('hold-id')?.textContent || document.querySelector('#hold.problem')?.textContent");
  const holdId = await session.text("#hold-id").catch(async () => assert.fail(await session.text("#hold")));
  assert.equal(await session.text("#hold-amount"), "$1.00");
  await screenshot("mcp-card-light.png");

  await session.top();
  const consents = await session.script("return window.host.consents.map((c) => c.name)");
  assert.deepEqual(consents, ["reserve_credits"], "the reserve went through the host's consent hook");
  const holds = await session.script("return window.host.call('list_holds', {}).then((r) => r.structuredContent)");
  const hold = holds.holds.find((h) => h.hold_id === holdId);
  assert.ok(hold, `list_holds shows ${holdId}: ${JSON.stringify(holds)}`);
  assert.equal(hold.amount_usd, "1.00");
  assert.match(hold.memo, /^estimate card: kling video_generation/);
});

test("the card follows the host's theme, light then dark, and fits a narrow column", async () => {
  await openHost({ theme: "light" });
  await intoCard();
  await session.waitFor("return document.getElementById('total')?.textContent === '$2.00'");
  const background = () => session.script("return getComputedStyle(document.body).backgroundColor");
  assert.equal(await background(), "rgb(255, 255, 255)");
  assert.equal(await session.script("return getComputedStyle(document.body).fontFamily"), "Georgia, serif");

  await session.top();
  await session.script("return window.host.setTheme('dark')");
  await intoCard();
  await session.waitFor("return document.documentElement.dataset.theme === 'dark'");
  assert.equal(await background(), "rgb(31, 30, 29)", "the host's --color-background-primary");
  await session.waitFor("return document.body.dataset.editable === 'true'");
  await session.click(option(0, "duration", 5));
  await session.waitFor("return document.getElementById('total').textContent === '$1.00'");
  await screenshot("mcp-card-dark.png");

  await session.top();
  await session.script("return window.host.setWidth(320)");
  await intoCard();
  const width = await session.script("return document.documentElement.clientWidth");
  assert.ok(width <= 320, `the card is ${width} px wide`);
  const overflow = await session.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
  assert.equal(overflow, 0, "no horizontal scrolling at a narrow width");
  await screenshot("mcp-card-narrow.png");
});

test("a pre-check shows the decision, the funds and the top-up, and a refused reserve says so", async () => {
  const args = { tasks: [{ model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } }], balance_usd: "1.50" };
  await openHost({ tool: "precheck_credits", args: JSON.stringify(args) });
  await intoCard();
  await session.waitFor("return document.getElementById('decision')?.textContent === 'insufficient credits'");
  assert.equal(await session.text("#available"), "$1.50");
  assert.equal(await session.text("#required"), "$2.00");
  assert.equal(await session.text("#shortfall"), "$0.50");
  assert.match(await session.text("#top-up"), /^Suggested top-up: \$1\.00/);
  await screenshot("mcp-card-precheck.png");
  await intoCard();

  await session.waitFor("return document.body.dataset.mode === 'local'");
  const mark = harness.requests.length;
  await session.click(option(0, "duration", 5));
  await session.waitFor("return document.getElementById('decision').textContent === 'ok'");
  assert.equal(await session.text("#shortfall"), "$0.00");
  assert.deepEqual(toolCallsSince(mark), []);

  await session.top();
  await session.script("window.host.denyNext = 'reserve_credits'");
  await intoCard();
  await session.click("#reserve-button");
  await session.waitFor("return document.querySelector('#hold.problem')?.textContent");
  assert.match(await session.text("#hold"), /^Not reserved: .*declined/);
});

test("where the host forbids WebAssembly, the card still shows the result and recomputes through the host", async () => {
  await openHost({ wasm: "0" });
  await intoCard();
  await session.waitFor("return document.getElementById('total')?.textContent === '$2.00'");
  await session.waitFor("return document.body.dataset.editable === 'true'");
  assert.equal(await session.script("return document.body.dataset.mode"), "server");
  assert.match(await session.text("#mode"), /does not allow WebAssembly/);
  const mark = harness.requests.length;
  await session.click(option(0, "duration", 5));
  await session.waitFor("return document.getElementById('total').textContent === '$1.00'");
  const calls = toolCallsSince(mark).map((r) => r.name);
  assert.ok(calls.includes("estimate_cost"), `the recompute went to the server: ${calls}`);
});

test("a server whose prices differ from the card's catalog recomputes on the server, never with the card's prices", async () => {
  await openHost({ mcp: "/mcp-overlay" });
  await intoCard();
  await session.waitFor("return document.getElementById('total')?.textContent === '$3.00'");
  assert.match(await session.text("#catalog"), /overlay negotiated/);
  await session.waitFor("return document.body.dataset.editable === 'true'");
  assert.equal(await session.script("return document.body.dataset.mode"), "server");
  assert.match(await session.text("#mode"), /prices differ from this card's built-in catalog/);
  const mark = harness.requests.length;
  await session.click(option(0, "duration", 5));
  await session.waitFor("return document.getElementById('total').textContent === '$1.50'");
  assert.ok(toolCallsSince(mark).some((r) => r.name === "estimate_cost"));
});

test("where the host runs no scripts in it, the card is a readable static text", async () => {
  await openHost({ scripts: "0" }, "window.host.resourceSent");
  await intoCard();
  const text = await session.text(".static");
  assert.match(text, /estimate_cost/);
  assert.match(text, /same figures are in the tool result/);
  assert.equal(await session.text("h1"), "PiAPI cost estimate");
  assert.equal(await session.script("return document.getElementById('waiting').offsetParent"), null, "no 'waiting' line without scripts");
  await screenshot("mcp-card-noscript.png");
});

test("the card the server serves fits 200 KiB gzip and needs nothing from the network", async () => {
  await openHost();
  await session.top();
  const html = await session.script("return window.host.html");
  assert.match(html, /id="piapi-billing-wasm"/, "the server embeds the built card, not its placeholder");
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, "no external script, style or image");
  const gzipped = gzipSync(Buffer.from(html), { level: 9 }).length;
  console.log(`card: ${Buffer.byteLength(html)} bytes, ${gzipped} bytes gzip -9`);
  assert.ok(gzipped <= BUDGET_GZIP_BYTES, `${gzipped} bytes gzip`);
});
