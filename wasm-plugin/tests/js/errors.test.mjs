// Error paths and price overlays through the built package.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCjs, thrown } from "./support.mjs";

const billing = loadCjs();
const KLING_PRO_AUDIO_10S = {
  model: "kling",
  task_type: "video_generation",
  input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true },
};

function refusal(fn) {
  const err = thrown(fn);
  assert.ok(err instanceof billing.BillingError, `expected a BillingError, got ${err && err.stack}`);
  return err;
}

test("arguments that are not an object are refused before the module sees them", () => {
  for (const bad of [42, "tasks", true, [], [1]]) {
    const err = refusal(() => billing.estimateCost(bad));
    assert.equal(err.code, "invalid_arguments");
    assert.match(err.message, /^arguments must be an object/);
  }
});

test("arguments JSON cannot carry are refused with the reason", () => {
  const cyclic = { tasks: [] };
  cyclic.self = cyclic;
  assert.match(refusal(() => billing.estimateCost(cyclic)).message, /cannot be sent as JSON/);
  assert.match(refusal(() => billing.quoteTopUp({ amount_usd: 10n })).message, /cannot be sent as JSON/);
});

test("a bad field is named with its path and the allowed values", () => {
  const err = refusal(() => billing.estimateCost({ tasks: [{ ...KLING_PRO_AUDIO_10S, count: "many" }] }));
  assert.equal(err.field, "tasks[0].count");
  assert.match(err.message, /^tasks\[0\]\.count: /);
  const plan = refusal(() => billing.estimateCost({ tasks: [KLING_PRO_AUDIO_10S], plan: "gold" }));
  assert.equal(plan.field, "plan");
  assert.match(plan.message, /free.*creator.*pro.*enterprise/);
  const typo = refusal(() => billing.estimateCost({ task: [KLING_PRO_AUDIO_10S] }));
  assert.match(typo.message, /unknown field `task`/);
});

test("money is exact: a JS number is read from its decimal text, never as a binary float", () => {
  // 0.1 + 0.2 is 0.30000000000000004 in binary floating point: not whole cents, so refused.
  const err = refusal(() => billing.quoteTopUp({ amount_usd: 0.1 + 0.2 }));
  assert.equal(err.field, "amount_usd");
  assert.match(err.message, /0\.30000000000000004/);
  const q = billing.quoteTopUp({ amount_usd: 650.01 });
  assert.equal(q.amount_usd, "650.01");
  assert.equal(q.bonus_pct, "3");
  assert.equal(q.credited_usd, "669.5103");
  assert.deepEqual(billing.quoteTopUp({ amount_usd: "650.01" }), q);
});

test("an unknown tool is refused with the known ones", () => {
  const err = refusal(() => billing.call("estimate", {}));
  assert.equal(err.code, "unknown_tool");
  assert.match(err.message, /estimate_cost/);
  assert.match(refusal(() => billing.call(7, {})).message, /tool must be a string/);
});

test("the pre-check needs a balance here, and says so", () => {
  const err = refusal(() => billing.precheckCredits({ tasks: [KLING_PRO_AUDIO_10S] }));
  assert.equal(err.field, "balance_usd");
  const ok = billing.precheckCredits({ tasks: [KLING_PRO_AUDIO_10S], balance_usd: "5" });
  assert.equal(ok.decision, "ok");
  assert.equal(ok.required_usd, "2.00");
  const short = billing.precheckCredits({ tasks: [KLING_PRO_AUDIO_10S], balance_usd: "1.50" });
  assert.equal(short.decision, "insufficient_credits");
  assert.equal(short.shortfall_usd, "0.50");
  assert.equal(short.suggested_top_up.amount_usd, "1.00");
});

test("a refused call leaves the module answering", () => {
  for (let i = 0; i < 100; i++) refusal(() => billing.estimateCost({ tasks: "x".repeat(i) }));
  assert.equal(billing.estimateCost({ tasks: [KLING_PRO_AUDIO_10S] }).total_max_usd, "2.00");
});

test("priceInputs lists the fields that change the price, from the catalog", () => {
  const form = billing.priceInputs({ model: "kling", task_type: "video_generation" });
  const names = form.fields.map((f) => f.name);
  for (const n of ["version", "mode", "enable_audio", "duration"]) assert.ok(names.includes(n), n);
  assert.equal(refusal(() => billing.priceInputs({ model: "nope", task_type: "x" })).field, "model");
});

test("an overlay re-prices its entries, is reported everywhere, and can be reset", () => {
  try {
    const info = billing.setCatalog({
      name: "acme-contract-2026",
      entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.15" }],
    });
    assert.deepEqual(info, { catalog_version: "2026-12", overlay: "acme-contract-2026", entries: info.entries });
    assert.deepEqual(billing.catalogVersion(), info);
    const r = billing.estimateCost({ tasks: [KLING_PRO_AUDIO_10S] });
    assert.equal(r.overlay, "acme-contract-2026");
    assert.equal(r.total_max_usd, "1.50");
    assert.equal(r.lines[0].unit_price_usd, "0.15");
    assert.equal(r.lines[0].confidence, "overlay");
    const row = billing.listPrices({ query: "kling.video.3.0.pro.audio" }).entries[0];
    assert.equal(row.price_usd, "0.15");
    assert.equal(row.source, "overlay acme-contract-2026");

    // A second overlay replaces the first (it does not stack), and JSON text works too.
    billing.setCatalog(JSON.stringify({ name: "b", entries: [{ id: "kling.video.3.0.pro.silent", price_usd: 0.12 }] }));
    assert.equal(billing.estimateCost({ tasks: [KLING_PRO_AUDIO_10S] }).total_max_usd, "2.00");
  } finally {
    billing.resetCatalog();
  }
  assert.deepEqual(billing.catalogVersion().overlay, null);
  assert.equal(billing.estimateCost({ tasks: [KLING_PRO_AUDIO_10S] }).total_max_usd, "2.00");
});

test("a bad overlay is refused and the catalog in use stays", () => {
  billing.setCatalog({ name: "keep", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.15" }] });
  try {
    for (const bad of [
      { name: "", entries: [] },
      { name: "x", entries: [{ price_usd: "1" }] },
      { name: "x", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "-1" }] },
      { name: "x", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.000000001" }] },
      { name: "x", entries: [], extra: 1 },
      "{not json",
    ]) {
      const err = refusal(() => billing.setCatalog(bad));
      assert.ok(["invalid_catalog", "invalid_arguments"].includes(err.code), err.code);
      assert.equal(billing.catalogVersion().overlay, "keep");
    }
  } finally {
    billing.resetCatalog();
  }
});
