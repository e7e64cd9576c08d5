// Node ES module entry (also Deno, which reads files the same way): instantiates the module
// synchronously from the file next to this one, so the exports are ready when import resolves.
import { readFileSync } from "node:fs";
import * as raw from "./piapi_billing_wasm.js";
import { createApi } from "./api.mjs";

raw.initSync({ module: readFileSync(new URL("./piapi_billing_wasm_bg.wasm", import.meta.url)) });

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
