// Make "Code" module (JavaScript): pre-check PiAPI credits before the expensive step.
//
// Setup: paste the whole of wasm-plugin/pkg/piapi-billing.single.js where marked below (Make's
// code sandbox installs no packages). Map these module inputs:
//   input.task        the PiAPI task body (object, or its JSON text): {model, task_type, input, config}
//   input.balance_usd the balance, e.g. from an HTTP module calling GET /account/info
//                     (data.equivalent_in_usd)
//   input.frozen_usd  optional, credits frozen by running tasks
// Output bundle (the value returned):
//   { proceed: boolean, decision, estimated_min_usd, estimated_max_usd, required_usd,
//     shortfall_usd, suggested_top_up_usd|null, message }
// Put a filter "proceed = true" on the route to the PiAPI "create task" HTTP module.

// ---- paste wasm-plugin/pkg/piapi-billing.single.js here ----

const task = typeof input.task === "string" ? JSON.parse(input.task) : input.task;
const check = PiapiBilling.precheckCredits({
  tasks: [{ model: task.model, task_type: task.task_type, input: task.input || {}, config: task.config || {} }],
  balance_usd: String(input.balance_usd),
  ...(input.frozen_usd ? { frozen_usd: String(input.frozen_usd) } : {}),
});
return {
  proceed: check.ok,
  decision: check.decision,
  estimated_min_usd: check.estimate.total_min_usd,
  estimated_max_usd: check.estimate.total_max_usd,
  required_usd: check.required_usd,
  shortfall_usd: check.shortfall_usd,
  suggested_top_up_usd: check.suggested_top_up ? check.suggested_top_up.amount_usd : null,
  message: check.ok
    ? `OK: needs up to $${check.required_usd} of $${check.available_usd} available`
    : check.blockers.map((b) => b.message).join("; "),
};
