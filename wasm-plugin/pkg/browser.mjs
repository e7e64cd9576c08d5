// Browser and bundler entry: fetches and compiles the module next to this file (bundlers see
// the `new URL(…, import.meta.url)` asset reference), then exports the ready API.
import * as raw from "./piapi_billing_wasm.js";
import { createApi } from "./api.mjs";

await raw.default({ module_or_path: new URL("./piapi_billing_wasm_bg.wasm", import.meta.url) });

const billing = createApi(raw);
export default billing;
export const {
  estimateCost,
  precheckCredits,
  listPlans,
  listPrices,
  quoteTopUp,
  priceInputs,
  catalogReport,
  catalogVersion,
  setCatalog,
  resetCatalog,
  call,
  memoryBytes,
} = billing;
export { BillingError } from "./api.mjs";
