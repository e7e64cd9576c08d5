// Text that needs escaping crosses the boundary intact both ways: the module writes its answers
// with the core's own JSON writer (shared/src/json/write.rs), so these go through the built
// package and JSON.parse, not through serde_json.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCjs, thrown } from "./support.mjs";

const billing = loadCjs();

// Quotes, backslashes, every escape JSON names, other control characters, DEL, non-ASCII of
// two, three and four bytes, and a lone "\u2028" (valid JSON, a line break to some parsers).
const AWKWARD = [
  'say "hi"',
  "back\\slash \\u0041 not an escape",
  "new\nline\ttab\rreturn\bback\fform",
  "\u0000nul \u0001 \u001f unit separator \u007f del",
  "café — ✓ 🎬 𝄞",
  "line\u2028separator",
  "long plain run then a quote at byte 17\" and more plain text after it",
];

test("an overlay name with awkward text comes back exactly", () => {
  try {
    for (const name of AWKWARD) {
      const info = billing.setCatalog({ name, entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.15" }] });
      assert.equal(info.overlay, name);
      assert.equal(billing.catalogVersion().overlay, name);
      const lines = billing.estimateCost({
        tasks: [{ model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } }],
      });
      assert.equal(lines.overlay, name);
      assert.equal(lines.total_max_usd, "1.50");
    }
  } finally {
    billing.resetCatalog();
  }
});

test("awkward text the caller sent is quoted back exactly in refusals and line errors", () => {
  for (const text of AWKWARD) {
    const result = billing.estimateCost({ tasks: [{ model: text, task_type: "video_generation" }] });
    assert.equal(result.lines.length, 0);
    assert.equal(result.errors.length, 1);
    assert.ok(result.errors[0].message.includes(text), JSON.stringify(result.errors[0].message));

    const err = thrown(() => billing.estimateCost({ tasks: [], [text]: 1 }));
    assert.ok(err instanceof billing.BillingError);
    assert.ok(err.message.includes(text), JSON.stringify(err.message));
  }
});
