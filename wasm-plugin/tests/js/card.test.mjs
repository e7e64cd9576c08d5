// The estimate card's pure parts (wasm-plugin/app/), in Node: money stays exact in points, an
// edit makes a new task without touching the old one, and results find their renderer. The
// card as a whole runs in the MCP server's browser test (mcp-server/tests/browser/card.test.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyEdit } from "../../app/form.mjs";
import { grouped, interval, larger, money, points, share, sum, usdOfPoints } from "../../app/money.mjs";
import { RENDERERS, toolOf, totalFreeze } from "../../app/render.mjs";

test("amounts add in points, never in floats", () => {
  assert.equal(sum(["0.1", "0.2"]), "0.30");
  assert.equal(sum(["0.0000001", "0.0000002"]), "0.0000003");
  assert.equal(sum([]), "0.00");
  assert.equal(points("2.5"), 25_000_000n);
  assert.equal(points("-1.25"), -12_500_000n);
  assert.equal(usdOfPoints(90_071_992_547_409_910n), "9007199254.740991");
  assert.equal(larger("2.00", "10.00"), "10.00");
});

test("money is shown with the result's own decimals, grouped", () => {
  assert.equal(money("1234567.50"), "$1,234,567.50");
  assert.equal(money("0.2"), "$0.2");
  assert.equal(money("-3.00"), "-$3.00");
  assert.equal(interval("1.00", "1.0"), "$1.0");
  assert.equal(interval("1.00", "2.00"), "$1.00 – $2.00");
  assert.equal(grouped(20000000), "20,000,000");
});

test("bar shares are clamped to [0, 1]", () => {
  assert.equal(share("1.00", "2.00"), 0.5);
  assert.equal(share("3.00", "2.00"), 1);
  assert.equal(share("1.00", "0"), 0);
  assert.equal(share("-1", "2"), 0);
});

test("an edit returns a new task and leaves the old one as it was", () => {
  const task = { model: "kling", task_type: "video_generation", input: { duration: 10, mode: "pro" }, count: 2 };
  const edited = applyEdit(task, { input: { duration: 5 } });
  assert.deepEqual(edited.input, { duration: 5, mode: "pro" });
  assert.equal(task.input.duration, 10);
  assert.deepEqual(applyEdit(task, { input: { mode: null } }).input, { duration: 10 });
  assert.equal(applyEdit(task, { count: null }).count, undefined);
  assert.deepEqual(applyEdit(task, { hints: { video_seconds: "12.5" } }).hints, { video_seconds: "12.5" });
  assert.equal(applyEdit({ ...task, hints: { frames: 3 } }, { hints: { frames: null } }).hints, undefined);
});

const line = (index, max, freeze) => ({ index, min_usd: max, max_usd: max, freeze_usd: freeze });
const estimate = { lines: [line(0, "2.00", "1.00"), line(1, "0.50", "0.80")], errors: [] };

test("results find their renderer by tool name, else by shape", () => {
  assert.equal(toolOf("estimate_cost", estimate), "estimate_cost");
  assert.equal(toolOf(null, estimate), "estimate_cost");
  assert.equal(toolOf(undefined, { decision: "ok", estimate }), "precheck_credits");
  assert.equal(toolOf("list_plans", { plans: [] }), null);
  assert.deepEqual(Object.keys(RENDERERS).sort(), ["estimate_cost", "precheck_credits"]);
});

test("the batch's freeze is its lines' freezes summed", () => {
  assert.equal(totalFreeze(estimate), "1.80");
});
