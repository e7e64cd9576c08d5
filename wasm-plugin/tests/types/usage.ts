// Compiled with `tsc --strict --noEmit` by types.test.mjs: the package's declarations must type
// real usage without `any`, and reject misuse (the @ts-expect-error lines must stay errors).
import billing, { BillingError, estimateCost, precheckCredits, quoteTopUp, setCatalog } from "piapi-billing-wasm";
import type { EstimateResult, PrecheckResult, TaskSpec, TopUpQuote, UsdString } from "piapi-billing-wasm";
import { initBilling } from "piapi-billing-wasm/init";

const task: TaskSpec = {
  model: "kling",
  task_type: "video_generation",
  input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true, prompt: "a fox" },
};
const estimate: EstimateResult = estimateCost({ tasks: [task], plan: "pro" });
const total: UsdString = estimate.total_max_usd;
const points: number = estimate.lines[0].count * estimate.total_max_points;
const check: PrecheckResult = precheckCredits({ tasks: [task], balance_usd: "12.50", hya_seats: ["kling"] });
const topUp: TopUpQuote | null = check.suggested_top_up ? quoteTopUp({ amount_usd: check.suggested_top_up.amount_usd }) : null;
const info = setCatalog({ name: "acme", entries: [{ id: "kling.video.3.0.pro.audio", price_usd: "0.15" }] });
const overlay: string | null = info.overlay;
const viaCall: EstimateResult = billing.call("estimate_cost", { tasks: [task] });
const fromBytes = initBilling(new Uint8Array(0));
const decision: "ok" | "insufficient_credits" | "blocked" = fromBytes.precheckCredits({ tasks: [task], balance_usd: 1 }).decision;

try {
  estimateCost({ tasks: [] });
} catch (e) {
  if (e instanceof BillingError) {
    const code: "invalid_arguments" | "invalid_catalog" | "unknown_tool" | "ledger" = e.code;
    const field: string | null = e.field;
    console.log(code, field);
  }
}

// @ts-expect-error: a pre-check without a balance is refused here
precheckCredits({ tasks: [task] });
// @ts-expect-error: unknown plan
estimateCost({ tasks: [task], plan: "gold" });
// @ts-expect-error: results carry money as strings, not numbers
const wrong: number = estimate.total_max_usd;
// @ts-expect-error: tool names are the snake_case ones
billing.call("estimateCost", { tasks: [task] });

console.log(total, points, topUp, overlay, viaCall, decision, wrong);
