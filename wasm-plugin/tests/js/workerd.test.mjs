// The Cloudflare Worker example in workerd, the open-source Workers runtime (npm `workerd`),
// with the package's "workerd" entry and its .wasm as a compiled module, twice: with the
// modules laid out by hand as wrangler lays them out, and as wrangler itself builds them
// (`wrangler deploy --dry-run`, the package installed as npm ships it). PiAPI is a local
// stand-in on loopback.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../browser/webdriver.mjs";
import { pkgDir, repoDir } from "./support.mjs";

const workerd = `${repoDir}.tools/npm/node_modules/.bin/workerd`;
const wrangler = `${repoDir}.tools/bundlers/node_modules/wrangler/bin/wrangler.js`;
const example = fileURLToPath(new URL("../../examples/cloudflare-worker.mjs", import.meta.url));
const KLING = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } };

const piapi = { balance: 5, created: [] };
let fake;

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
});

after(() => fake?.close());

/** The worker's modules written by hand, as wrangler lays them out; returns their capnp list. */
function byHand(dir) {
  for (const f of ["workerd.mjs", "piapi_billing_wasm.js", "api.mjs", "piapi_billing_wasm_bg.wasm"]) copyFileSync(pkgDir + f, join(dir, f));
  copyFileSync(example, join(dir, "worker.mjs"));
  return `
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "piapi-billing-wasm", esModule = embed "workerd.mjs"),
    (name = "piapi_billing_wasm.js", esModule = embed "piapi_billing_wasm.js"),
    (name = "api.mjs", esModule = embed "api.mjs"),
    (name = "piapi_billing_wasm_bg.wasm", wasm = embed "piapi_billing_wasm_bg.wasm"),`;
}

/** The worker as `wrangler deploy --dry-run` bundles it: one script and the .wasm module. */
function byWrangler(dir) {
  assert.ok(existsSync(wrangler), `${wrangler} is missing: run scripts/setup-wasm.sh`);
  const installed = join(dir, "node_modules/piapi-billing-wasm");
  mkdirSync(installed, { recursive: true });
  const manifest = JSON.parse(readFileSync(pkgDir + "package.json", "utf8"));
  for (const f of ["package.json", ...manifest.files]) copyFileSync(pkgDir + f, join(installed, f));
  copyFileSync(example, join(dir, "worker.mjs"));
  writeFileSync(join(dir, "wrangler.toml"), 'name = "piapi-billing-precheck"\nmain = "worker.mjs"\ncompatibility_date = "2024-09-23"\n');
  execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", "out"], {
    cwd: dir,
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" },
  });
  const out = readdirSync(join(dir, "out"));
  const wasm = out.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `wrangler's output: ${out.join(", ")}`);
  assert.ok(readFileSync(join(dir, "out/worker.js"), "utf8").includes(`from "./${wasm[0]}"`), "the bundle imports the .wasm module");
  return `
    (name = "worker.js", esModule = embed "out/worker.js"),
    (name = "${wasm[0]}", wasm = embed "out/${wasm[0]}"),`;
}

/** Starts workerd on the modules `layout` writes into a fresh directory. */
async function startWorker(layout) {
  const dir = mkdtempSync(join(tmpdir(), "piapi-billing-workerd-"));
  const modules = layout(dir);
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
  modules = [${modules}
  ],
  bindings = [
    (name = "PIAPI_API_KEY", text = "test-key"),
    (name = "PIAPI_BASE_URL", text = "http://127.0.0.1:${fake.address().port}"),
  ],
  compatibilityDate = "2024-09-23",
);
`);
  const proc = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));
  const base = `http://127.0.0.1:${port}/`;
  const stop = () => {
    proc.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await fetch(base, { signal: AbortSignal.timeout(1000) });
      return { base, stop };
    } catch {
      if (i > 150 || proc.exitCode !== null) {
        stop();
        throw new Error(`workerd did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const LAYOUTS = [
  ["modules laid out as wrangler does", byHand],
  ["wrangler's own build", byWrangler],
];

for (const [name, layout] of LAYOUTS) {
  describe(`in workerd, ${name}`, () => {
    let worker;
    before(async () => {
      worker = await startWorker(layout);
    });
    after(() => worker?.stop());
    const post = (body) => fetch(worker.base, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

    test("an affordable task is forwarded to PiAPI with its estimate", async () => {
      piapi.balance = 5;
      const before = piapi.created.length;
      const res = await post(KLING);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-estimated-max-usd"), "2.00");
      assert.equal((await res.json()).data.task_id, `task-${before + 1}`);
      assert.deepEqual(piapi.created.slice(before), [KLING]);
    });

    test("a short balance gets 402 and never reaches PiAPI", async () => {
      piapi.balance = 1.5;
      const before = piapi.created.length;
      const res = await post(KLING);
      assert.equal(res.status, 402);
      const body = await res.json();
      assert.equal(body.error, "insufficient_credits");
      assert.equal(body.precheck.shortfall_usd, "0.50");
      assert.equal(piapi.created.length, before);
    });

    test("a malformed task gets 400 naming the field", async () => {
      const res = await post({ task_type: "video_generation" });
      assert.equal(res.status, 400);
      assert.match((await res.json()).message, /model/);
    });
  });
}
