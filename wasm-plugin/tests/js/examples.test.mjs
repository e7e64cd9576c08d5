// The workflow examples (wasm-plugin/examples/) run as their hosts would run them, each host
// imitated by a small harness: n8n's Code node and Make's code module get the single-file build
// pasted in and run in a bare vm context; the Pipedream step and the Cloudflare Worker import
// the package by name (the Worker through its "workerd" entry) and talk to a local fake PiAPI.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { register } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";
import { pkgDir } from "./support.mjs";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const single = readFileSync(`${pkgDir}piapi-billing.single.js`, "utf8");
const KLING = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true, prompt: "a fox" }, config: { service_mode: "public" } };
const MARKER = "// ---- paste wasm-plugin/pkg/piapi-billing.single.js here ----";

/** The example with the single-file build pasted at its marker, run as a function body. */
function pasteAndRun(file, globals) {
  const source = readFileSync(examples + file, "utf8");
  assert.ok(source.includes(MARKER), `${file} has no paste marker`);
  const body = source.replace(MARKER, () => single);
  const context = vm.createContext(globals);
  return JSON.parse(JSON.stringify(vm.runInContext(`(function () {\n${body}\n})()`, context)));
}

test("n8n Code node: passes affordable items, stops short or malformed ones with the reason", () => {
  const items = [
    { json: { ...KLING, balance_usd: "5.00" } },
    { json: { ...KLING, balance_usd: "1.50" } },
    { json: { tasks: [KLING, KLING], balance_usd: "3.99", frozen_usd: "0" } },
    { json: { task_type: "video_generation", balance_usd: "5" } },
  ];
  const out = pasteAndRun("n8n-code-node.js", { $input: { all: () => items } });
  assert.equal(out.length, 4);
  assert.deepEqual(
    { proceed: out[0].json.proceed, max: out[0].json.estimated_max_usd, decision: out[0].json.decision },
    { proceed: true, max: "2.00", decision: "ok" },
  );
  assert.equal(out[0].json.model, "kling", "the input item is passed through");
  assert.equal(out[1].json.proceed, false);
  assert.equal(out[1].json.shortfall_usd, "0.50");
  assert.equal(out[1].json.suggested_top_up_usd, "1.00");
  assert.equal(out[2].json.required_usd, "4.00");
  assert.equal(out[2].json.proceed, false);
  assert.equal(out[3].json.proceed, false);
  assert.match(out[3].json.reason, /model/);
});

test("Make code module: returns the bundle that the route filter reads", () => {
  const ok = pasteAndRun("make-code-module.js", { input: { task: JSON.stringify(KLING), balance_usd: 12.5 } });
  assert.equal(ok.proceed, true);
  assert.equal(ok.estimated_max_usd, "2.00");
  assert.match(ok.message, /needs up to \$2\.00 of \$12\.50/);
  const short = pasteAndRun("make-code-module.js", { input: { task: KLING, balance_usd: "2.50", frozen_usd: "1" } });
  assert.equal(short.proceed, false);
  assert.equal(short.decision, "insufficient_credits");
  assert.equal(short.shortfall_usd, "0.50");
});

// The package installed by name, as Pipedream (npm) and wrangler would resolve it.
const sandbox = mkdtempSync(join(tmpdir(), "piapi-billing-examples-"));
mkdirSync(join(sandbox, "node_modules"));
symlinkSync(pkgDir, join(sandbox, "node_modules", "piapi-billing-wasm"));
writeFileSync(join(sandbox, "package.json"), JSON.stringify({ type: "module", private: true }));
const importExample = (file) => {
  writeFileSync(join(sandbox, file), readFileSync(examples + file));
  return import(pathToFileURL(join(sandbox, file)).href);
};

test("Pipedream step: exports the pre-check, or ends the flow before the expensive step", async () => {
  globalThis.defineComponent = (component) => component;
  const { default: step } = await importExample("pipedream-step.mjs");
  const run = async (props) => {
    const exported = {};
    let exitReason = null;
    const $ = { export: (k, v) => (exported[k] = v), flow: { exit: (reason) => ((exitReason = reason), undefined) } };
    const value = await step.run.call(props, { $, steps: {} });
    return { value, exported, exitReason };
  };
  const ok = await run({ balance_usd: "5", task: KLING });
  assert.equal(ok.exitReason, null);
  assert.equal(ok.value.decision, "ok");
  assert.equal(ok.exported.$summary, "ok: needs up to $2.00, $5.00 available");
  const short = await run({ balance_usd: "0.70", task: KLING });
  assert.match(short.exitReason, /short by 1\.30 USD/);
  assert.equal(short.value, undefined);
});

// A local stand-in for PiAPI's documented shapes (facts §6).
const piapi = { balance: "5.00", created: [] };
const fake = createServer((req, res) => {
  const reply = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.headers["x-api-key"] !== "test-key") return reply(401, { code: 401, message: "Unauthorized" });
  if (req.method === "GET" && req.url === "/account/info") {
    return reply(200, { code: 200, message: "success", data: { id: "acc-1", name: "test", equivalent_in_usd: Number(piapi.balance) } });
  }
  if (req.method === "POST" && req.url === "/api/v1/task") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      piapi.created.push(JSON.parse(body));
      reply(200, { code: 200, message: "success", data: { task_id: `task-${piapi.created.length}`, status: "pending" } });
    });
    return;
  }
  reply(404, { code: 404, message: "not found" });
});
await new Promise((r) => fake.listen(0, "127.0.0.1", r));
after(() => fake.close());

test("Cloudflare Worker: forwards affordable tasks to PiAPI, refuses the rest with 402/400", async () => {
  register(new URL("./wasm-loader-hooks.mjs", import.meta.url).href);
  const { default: worker } = await importExample("cloudflare-worker.mjs");
  const env = { PIAPI_API_KEY: "test-key", PIAPI_BASE_URL: `http://127.0.0.1:${fake.address().port}` };
  const post = (body) => worker.fetch(new Request("https://worker.example/", { method: "POST", body: JSON.stringify(body) }), env);

  piapi.balance = "5.00";
  const ok = await post(KLING);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("x-estimated-max-usd"), "2.00");
  assert.equal((await ok.json()).data.task_id, "task-1");
  assert.deepEqual(piapi.created, [KLING]);

  piapi.balance = "1.5";
  const short = await post(KLING);
  assert.equal(short.status, 402);
  const refusal = await short.json();
  assert.equal(refusal.error, "insufficient_credits");
  assert.equal(refusal.precheck.shortfall_usd, "0.50");
  assert.equal(piapi.created.length, 1, "a refused task must not reach PiAPI");

  const bad = await post({ ...KLING, model: undefined });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /model/);

  const denied = await worker.fetch(new Request("https://worker.example/", { method: "POST", body: "{}" }), { ...env, PIAPI_API_KEY: "wrong" });
  assert.equal(denied.status, 502);
  assert.doesNotMatch(await denied.text(), /wrong/, "the key never appears in an answer");
});
