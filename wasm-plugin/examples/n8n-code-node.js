// n8n Code node (JavaScript, mode "Run Once for All Items"): pre-check PiAPI credits before
// the expensive step.
//
// Setup: paste the whole of wasm-plugin/pkg/piapi-billing.single.js where marked below (it
// needs no modules, so it works on n8n Cloud). On self-hosted n8n with
// NODE_FUNCTION_ALLOW_EXTERNAL=piapi-billing-wasm you may `require` the package instead.
//
// Input items, json: the PiAPI task you are about to send plus the account's balance,
//   { "model": "kling", "task_type": "video_generation", "input": {...}, "config": {...},
//     "balance_usd": "12.50", "frozen_usd": "0" }          (balance from an HTTP Request node
//   calling GET https://api.piapi.ai/account/info: data.equivalent_in_usd)
//   or a batch: { "tasks": [TaskSpec, ...], "balance_usd": "12.50" }.
// Output items, json: the input plus
//   { "proceed": true|false, "estimated_max_usd": "2.00", "required_usd": "2.00",
//     "shortfall_usd": "0.00", "decision": "ok"|"insufficient_credits"|"blocked",
//     "reason": null|"...", "suggested_top_up_usd": null|"1.00" }
// Route on `proceed` with an IF node: true → the PiAPI "create task" request; false → notify.

// ---- paste wasm-plugin/pkg/piapi-billing.single.js here ----

const billing = typeof PiapiBilling !== "undefined" ? PiapiBilling : require("piapi-billing-wasm");

const out = [];
for (const item of $input.all()) {
  const { balance_usd, frozen_usd, hya_seats, plan, tasks, ...task } = item.json;
  let result;
  try {
    const check = billing.precheckCredits({
      tasks: tasks ?? [{ model: task.model, task_type: task.task_type, input: task.input, config: task.config }],
      balance_usd,
      ...(frozen_usd != null ? { frozen_usd } : {}),
      ...(hya_seats ? { hya_seats } : {}),
      ...(plan ? { plan } : {}),
    });
    result = {
      proceed: check.ok,
      decision: check.decision,
      estimated_max_usd: check.estimate.total_max_usd,
      required_usd: check.required_usd,
      shortfall_usd: check.shortfall_usd,
      reason: check.blockers.length ? check.blockers.map((b) => b.message).join("; ") : null,
      suggested_top_up_usd: check.suggested_top_up ? check.suggested_top_up.amount_usd : null,
    };
  } catch (e) {
    // A malformed item is stopped, not priced as zero: say which field is wrong.
    result = { proceed: false, decision: "invalid", reason: e.message, estimated_max_usd: null,
      required_usd: null, shortfall_usd: null, suggested_top_up_usd: null };
  }
  out.push({ json: { ...item.json, ...result } });
}
return out;
