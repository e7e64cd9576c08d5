// The Cloudflare Worker example in workerd, the open-source Workers runtime (npm `workerd`),
// with the package's "workerd" entry and its .wasm as a compiled module, exactly as wrangler
// bundles them; PiAPI is a local stand-in on loopback.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../browser/webdriver.mjs";
import { pkgDir, repoDir } from "./support.mjs";

const workerd = `${repoDir}.tools/npm/node_modules/.bin/workerd`;
const example = fileURLToPath(new URL("../../examples/cloudflare-worker.mjs", import.meta.url));
const KLING = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } };

const piapi = { balance: 5, created: [] };
let fake, proc, dir, base;

before(async () => {
  assert.ok(existsSync(workerd), `${workerd} is missing: run scripts/setup-wasm.sh`);
  fake = createServer((req, res) => {
    const reply = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers["x-api-key"] !== "test-key") return reply(401, { code: 401, message: "Unauthorized" });
    if (req.url === "/account/info") return reply(200, { code: 200, data: { equivalent_in_usd: piapi.balance } });
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      piapi.created.push(JSON.parse(body));
      reply(200, { code: 200, data: { task_id: `task-${piapi.created.length}`, status: "pending" } });
    });
  });
  await new Promise((r) => fake.listen(0, "127.0.0.1", r));

  dir = mkdtempSync(join(tmpdir(), "piapi-billing-workerd-"));
  for (const f of ["workerd.mjs", "piapi_billing_wasm.js", "api.mjs", "piapi_billing_wasm_bg.wasm"]) copyFileSync(pkgDir + f, join(dir, f));
  copyFileSync(example, join(dir, "worker.mjs"));
  const port = await freePort();
  writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The stand-in PiAPI is on loopback, which workerd's default outbound network refuses.
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "piapi-billing-wasm", esModule = embed "workerd.mjs"),
    (name = "piapi_billing_wasm.js", esModule = embed "piapi_billing_wasm.js"),
    (name = "api.mjs", esModule = embed "api.mjs"),
    (name = "piapi_billing_wasm_bg.wasm", wasm = embed "piapi_billing_wasm_bg.wasm"),
  ],
  bindings = [
    (name = "PIAPI_API_KEY", text = "test-key"),
    (name = "PIAPI_BASE_URL", text = "http://127.0.0.1:${fake.address().port}"),
  ],
  compatibilityDate = "2024-09-23",
);
`);
  proc = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));
  base = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      await fetch(base, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (i > 150 || proc.exitCode !== null) throw new Error(`workerd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

after(() => {
  proc?.kill("SIGTERM");
  fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (body) => fetch(base, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

test("in workerd: an affordable task is forwarded to PiAPI with its estimate", async () => {
  piapi.balance = 5;
  const res = await post(KLING);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-estimated-max-usd"), "2.00");
  assert.equal((await res.json()).data.task_id, "task-1");
  assert.deepEqual(piapi.created, [KLING]);
});

test("in workerd: a short balance gets 402 and never reaches PiAPI", async () => {
  piapi.balance = 1.5;
  const before = piapi.created.length;
  const res = await post(KLING);
  assert.equal(res.status, 402);
  const body = await res.json();
  assert.equal(body.error, "insufficient_credits");
  assert.equal(body.precheck.shortfall_usd, "0.50");
  assert.equal(piapi.created.length, before);
});

test("in workerd: a malformed task gets 400 naming the field", async () => {
  const res = await post({ task_type: "video_generation" });
  assert.equal(res.status, 400);
  assert.match((await res.json()).message, /model/);
});
