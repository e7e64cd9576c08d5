import type { PiapiBilling } from "./index.js";

export { BillingError } from "./index.js";
export type * from "./index.js";

/** Instantiates synchronously from the module's bytes or a compiled module. */
export declare function initBilling(source: BufferSource | WebAssembly.Module): PiapiBilling;

/** Instantiates asynchronously from bytes, a module, a Response or a URL (fetched). */
export declare function initBillingAsync(
  source: BufferSource | WebAssembly.Module | Response | Request | URL | string,
): Promise<PiapiBilling>;
