// For hosts that fetch or bundle the module themselves: hand over its bytes or a compiled
// WebAssembly.Module and get the API back. One module instance backs every call.
import * as raw from "./piapi_billing_wasm.js";
import { createApi } from "./api.mjs";

export { BillingError } from "./api.mjs";

/** Instantiates synchronously from bytes or a compiled module. */
export function initBilling(source) {
  raw.initSync({ module: source });
  return createApi(raw);
}

/** Instantiates from bytes, a module, a Response or a URL (fetched), asynchronously. */
export async function initBillingAsync(source) {
  await raw.default({ module_or_path: source });
  return createApi(raw);
}
