// Every golden vector (tests/golden/*.json) through the built package: results identical to
// the core's (deep equality, so key order does not matter), refusals with the exact message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { goldenFiles, loadCjs, loadSingleFile, runCase, thrown } from "./support.mjs";

const files = goldenFiles();
const billing = loadCjs();
const single = loadSingleFile();

test("there are golden vectors to check", () => {
  const total = files.reduce((n, f) => n + f.cases.length, 0);
  assert.ok(total > 0, "tests/golden holds no cases");
});

for (const file of files) {
  test(`golden ${file.name} (Node require)`, () => {
    for (const c of file.cases) {
      assert.deepStrictEqual(runCase(billing, c), c.expected, `${file.name}: ${c.name}`);
    }
  });

  test(`golden ${file.name} (single-file build in a bare vm context)`, () => {
    for (const c of file.cases) {
      // Objects made in the vm context have its prototypes; compare as JSON data.
      const got = JSON.parse(JSON.stringify(runCase(single.api, c)));
      assert.deepStrictEqual(got, c.expected, `${file.name}: ${c.name}`);
    }
  });
}

test("refusals are BillingError instances with code, field and the core's message", () => {
  const err = thrown(() => billing.estimateCost({ tasks: [] }));
  assert.ok(err instanceof billing.BillingError);
  assert.equal(err.name, "BillingError");
  assert.equal(err.code, "invalid_arguments");
  assert.equal(err.field, "tasks");
  assert.match(err.message, /^tasks: /);
  assert.ok(err instanceof Error);
});

test("the headline example: Kling 3.0 pro, 10 s, audio on costs $2.00", () => {
  const r = billing.estimateCost({
    tasks: [{ model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } }],
  });
  assert.equal(r.total_min_usd, "2.00");
  assert.equal(r.total_max_usd, "2.00");
  assert.equal(r.total_max_points, 20000000);
  assert.equal(r.exact, true);
});
