// 10,000 random malformed inputs through the built package: each call must answer or throw a
// BillingError — never trap (a WebAssembly RuntimeError) — and the module must keep answering
// with memory that does not grow. Seeded, so a failure names the case that reproduces it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { goldenFiles, loadCjs, rng } from "./support.mjs";

const billing = loadCjs();
const SEED = Number(process.env.FUZZ_SEED || 20261124);
const CASES = 10_000;

const TOOLS = ["estimateCost", "precheckCredits", "listPlans", "listPrices", "quoteTopUp", "priceInputs", "setCatalog"];
const KEYS = ["tasks", "model", "task_type", "input", "config", "count", "hints", "plan", "balance_usd",
  "frozen_usd", "hya_seats", "amount_usd", "default_mode", "relax_used_today", "query", "name", "entries",
  "id", "price_usd", "duration", "mode", "version", "enable_audio", "video_seconds", "width", "height",
  "service_mode", "process_mode", "batch_size", "tiers", "max_pixels", "status", "quantity", "kind"];
const STRINGS = ["", "kling", "video_generation", "3.0", "pro", "std", "public", "private", "free", "hya",
  "1e400", "-0", "NaN", "1e-30", "99999999999999999999999999999", "0.000000001", "12,50", " 1", "\u0000",
  "\ud800", "💸", "x".repeat(5000), "kling.video.3.0.pro.audio", "Qubico/flux1-dev", "txt2img", "midjourney"];
const NUMBERS = [0, -1, 1, 2 ** 53, 2 ** 64, -(2 ** 63), 1e308, 5e-324, 0.1, 1.5, 10, 10000, 10001, 1000, 3.999];

/** Well-formed starting points: every golden vector's arguments. */
const seeds = goldenFiles().flatMap((f) => f.cases.map((c) => c.args));

function value(r, depth) {
  const k = Math.floor(r() * (depth > 4 ? 5 : 8));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return NUMBERS[Math.floor(r() * NUMBERS.length)] * (r() < 0.2 ? -1 : 1);
    case 3: case 4: return STRINGS[Math.floor(r() * STRINGS.length)];
    case 5: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const o = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]] = value(r, depth + 1);
      return o;
    }
  }
}

/** A golden vector's arguments with one random path replaced, deleted or deeply nested. */
function mutate(r, args) {
  const copy = JSON.parse(JSON.stringify(args ?? {}));
  let node = copy;
  for (let step = 0; step < 4 && node && typeof node === "object"; step++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(r() * keys.length)];
    const roll = r();
    if (roll < 0.3 || step === 3) {
      if (r() < 0.2) delete node[key];
      else node[key] = value(r, 0);
      break;
    }
    if (roll < 0.35) {
      let deep = value(r, 0);
      for (let d = 0; d < 200; d++) deep = [deep];
      node[key] = deep;
      break;
    }
    node = node[key];
  }
  return copy;
}

function input(r) {
  const roll = r();
  if (roll < 0.6) return mutate(r, seeds[Math.floor(r() * seeds.length)]);
  if (roll < 0.9) return value(r, 0);
  // Raw text straight to the module's JSON parser (setCatalog takes JSON text).
  return "{\"name\":" + JSON.stringify(value(r, 0)).slice(0, Math.floor(r() * 40));
}

test(`${CASES} random malformed inputs never trap (seed ${SEED})`, () => {
  const r = rng(SEED);
  const outcomes = { answered: 0, refused: 0 };
  for (let i = 0; i < CASES; i++) {
    const tool = TOOLS[Math.floor(r() * TOOLS.length)];
    const args = input(r);
    try {
      if (tool === "setCatalog") {
        billing.setCatalog(args);
        billing.resetCatalog();
      } else {
        billing[tool](args);
      }
      outcomes.answered++;
    } catch (e) {
      if (!(e instanceof billing.BillingError)) {
        assert.fail(`case ${i} (${tool} ${JSON.stringify(args).slice(0, 300)}) threw ${e && e.stack}`);
      }
      assert.ok(e.message.length > 0, `case ${i}: empty message`);
      outcomes.refused++;
    }
  }
  assert.equal(outcomes.answered + outcomes.refused, CASES);
  assert.ok(outcomes.refused > CASES / 10, `too few refusals to be a test: ${JSON.stringify(outcomes)}`);
  // Still answering, with the built-in catalog.
  assert.equal(billing.catalogVersion().overlay, null);
  assert.equal(billing.quoteTopUp({ amount_usd: "700" }).credited_usd, "721.00");
});

test("calls do not leak: memory stops growing under repeated answers and refusals", () => {
  const KLING = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10 } };
  const refused = [
    () => billing.estimateCost({ tasks: [{ model: "kling", task_type: "video_generation", count: 1.5 }] }),
    () => billing.estimateCost({ tasks: "x".repeat(10_000) }),
    () => billing.setCatalog({ name: "x", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "-1" }] }),
    () => billing.setCatalog("{".repeat(300)),
    () => billing.precheckCredits({ tasks: [] }),
  ];
  const answered = [
    () => billing.estimateCost({ tasks: [KLING, { model: "nope", task_type: "x" }] }),
    () => billing.precheckCredits({ tasks: [KLING], balance_usd: "0.10" }),
    () => billing.listPrices({ model: "kling" }),
    () => billing.setCatalog({ name: "y", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.15" }] }),
    () => billing.resetCatalog(),
  ];
  const round = () => {
    for (let i = 0; i < 1_000; i++) {
      assert.ok(answered[i % answered.length]());
      try {
        refused[i % refused.length]();
        assert.fail("expected a refusal");
      } catch (e) {
        assert.ok(e instanceof billing.BillingError);
      }
    }
    return billing.memoryBytes();
  };
  round(); // warm up: the allocator reaches its working size
  const after = round();
  for (let i = 0; i < 3; i++) assert.equal(round(), after, "linear memory grew");
});
