// Cloudflare Workers entry: wrangler bundles an imported `.wasm` file as a compiled
// WebAssembly.Module (Workers forbid compiling from bytes at run time), so this
// instantiates synchronously at module load.
import * as raw from "./piapi_billing_wasm.js";
import wasmModule from "./piapi_billing_wasm_bg.wasm";
import { createApi } from "./api.mjs";

raw.initSync({ module: wasmModule });

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
