// Cloudflare Worker: a credit-checking front door for PiAPI's create-task endpoint.
//
// POST / with a PiAPI task body {model, task_type, input, config}. The Worker prices it with
// piapi-billing-wasm (wrangler picks the package's "workerd" entry and bundles the .wasm),
// reads the balance from PiAPI's GET /account/info (data.equivalent_in_usd), and forwards the
// task to POST /api/v1/task only when the pre-check passes.
//   200/xxx: PiAPI's own answer, with header x-estimated-max-usd
//   402: {error: "insufficient_credits"|"blocked", precheck: <pre-check result>}
//   400: {error: "invalid_task", message: "<names the field>"}
//   502: {error: "piapi_unreachable", message}
// Secrets/vars: PIAPI_API_KEY (secret), PIAPI_BASE_URL (optional, default https://api.piapi.ai).
import billing from "piapi-billing-wasm";

const TIMEOUT_MS = 15_000;

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function balanceUsd(base, key) {
  const res = await fetch(`${base}/account/info`, { headers: { "x-api-key": key }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`account info answered HTTP ${res.status}`);
  const { data } = await res.json();
  if (data == null || data.equivalent_in_usd == null) throw new Error("account info carries no equivalent_in_usd");
  // Keep the figure as text so the billing module reads it exactly.
  return String(data.equivalent_in_usd);
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return json(405, { error: "method_not_allowed", message: "POST a PiAPI task body" });
    if (!env.PIAPI_API_KEY) return json(500, { error: "not_configured", message: "set the PIAPI_API_KEY secret" });
    const base = (env.PIAPI_BASE_URL || "https://api.piapi.ai").replace(/\/$/, "");

    let task;
    try {
      task = await request.json();
    } catch {
      return json(400, { error: "invalid_task", message: "the body is not JSON" });
    }

    let balance;
    try {
      balance = await balanceUsd(base, env.PIAPI_API_KEY);
    } catch (e) {
      return json(502, { error: "piapi_unreachable", message: e.message });
    }

    let check;
    try {
      const { model, task_type, input = {}, config = {} } = task ?? {};
      check = billing.precheckCredits({ tasks: [{ model, task_type, input, config }], balance_usd: balance });
    } catch (e) {
      return json(400, { error: "invalid_task", message: e.message });
    }
    if (!check.ok) return json(402, { error: check.decision, precheck: check });

    let upstream;
    try {
      upstream = await fetch(`${base}/api/v1/task`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": env.PIAPI_API_KEY },
        body: JSON.stringify(task),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      return json(502, { error: "piapi_unreachable", message: e.message });
    }
    const headers = new Headers(upstream.headers);
    headers.set("x-estimated-max-usd", check.estimate.total_max_usd);
    return new Response(upstream.body, { status: upstream.status, headers });
  },
};
