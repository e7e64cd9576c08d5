// Pipedream Node.js code step: pre-check PiAPI credits before the expensive step.
// Pipedream installs `piapi-billing-wasm` from npm because it is imported.
//
// Props: balance_usd (string; map it from a previous step that called PiAPI's
//   GET /account/info, data.equivalent_in_usd) and task (object: the PiAPI task body
//   {model, task_type, input, config}, e.g. {{steps.trigger.event.body}}).
// Returns (as this step's export): the pre-check result
//   {ok, decision, available_usd, required_usd, shortfall_usd, blockers, suggested_top_up, estimate}
// and, when the task cannot be afforded or is blocked, ends the workflow with $.flow.exit, so
// the next step (the PiAPI "create task" request) never runs.
import billing from "piapi-billing-wasm";

export default defineComponent({
  props: {
    balance_usd: { type: "string", label: "Balance (USD)", description: "PiAPI account balance, e.g. 12.50" },
    task: { type: "object", label: "PiAPI task", description: "The body you will POST to /api/v1/task" },
  },
  async run({ $ }) {
    const { model, task_type, input = {}, config = {} } = this.task;
    const check = billing.precheckCredits({
      tasks: [{ model, task_type, input, config }],
      balance_usd: this.balance_usd,
    });
    $.export("$summary", `${check.decision}: needs up to $${check.required_usd}, $${check.available_usd} available`);
    if (!check.ok) {
      return $.flow.exit(check.blockers.map((b) => b.message).join("; "));
    }
    return check;
  },
});
