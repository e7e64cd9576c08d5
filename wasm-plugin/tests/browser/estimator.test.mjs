// Headless Chromium (Debian's chromium + chromium-driver) loads the estimator page from a local
// static server, fills a Kling 3.0 pro 10 s task with audio, and must read $2.00; then a
// balance, for the pre-check and the top-up quote. Keeps a screenshot in tests/artifacts/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { serveStatic } from "./static-server.mjs";
import { Session, startChromedriver } from "./webdriver.mjs";

const pluginDir = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const artifacts = fileURLToPath(new URL("../../../tests/artifacts/", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const CHROMEDRIVER = "/usr/bin/chromedriver";
const missing = !existsSync(CHROMIUM) || !existsSync(CHROMEDRIVER);
// Missing browser is a failure (scripts/setup-wasm.sh installs it) unless explicitly skipped.
const skip = process.env.SKIP_BROWSER === "1" ? "SKIP_BROWSER=1" : false;

let server, driver, session, profile, pageUrl;

before(async () => {
  if (skip) return;
  assert.ok(!missing, `${CHROMIUM} and ${CHROMEDRIVER} are needed: run scripts/setup-wasm.sh`);
  server = await serveStatic(pluginDir);
  pageUrl = `http://127.0.0.1:${server.address().port}/web/`;
  driver = await startChromedriver(CHROMEDRIVER);
  profile = mkdtempSync(join(tmpdir(), "piapi-billing-chromium-"));
  session = await Session.create(driver.base, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", `--user-data-dir=${profile}`, "--window-size=1280,2200",
  ], CHROMIUM);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.stop();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const option = (select, value) => `${select} option[value='${JSON.stringify(value)}']`;

test("the estimator prices Kling 3.0 pro 10 s with audio at $2.00", { skip }, async () => {
  await session.goto(pageUrl);
  const ready = await session.waitFor("return document.body.dataset.ready");
  assert.equal(ready, "true", await session.text("#load-error").catch(() => "page failed"));
  assert.equal(await session.text("#catalog-version"), "2026-12");

  await session.click(option("#model", "kling"));
  await session.click(option("#task-type", "video_generation"));
  await session.click(option("#field-version", "3.0"));
  await session.click(option("#field-mode", "pro"));
  await session.click(option("#field-duration", 10));
  await session.click(option("#field-enable_audio", true));

  assert.equal(await session.text("#total"), "$2.00");
  assert.equal(await session.text("#unit-price"), "$0.20 per second");
  assert.equal(await session.text("#points"), "20,000,000");
  assert.match(await session.text("#source"), /kling/i);

  await session.type("#balance", "1.50");
  await session.waitFor("return document.getElementById('decision').textContent !== 'enter a balance'");
  assert.equal(await session.text("#decision"), "insufficient credits");
  assert.equal(await session.text("#shortfall"), "$0.50");
  assert.match(await session.text("#topup"), /^Suggested top-up: \$1\.00/);

  const planRows = await session.script("return [...document.querySelectorAll('#plan-table tbody tr')].map(r => r.cells[3].textContent)");
  // 100 tasks a month at $2.00 each, plus each plan's fee.
  assert.deepEqual(planRows, ["$200.00", "$208.00", "$250.00", "custom + $200.00"]);
  const bars = await session.script("return document.querySelectorAll('#plan-chart rect').length");
  assert.equal(bars, 4);

  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, "wasm-estimator.png"), await session.screenshot());
});
