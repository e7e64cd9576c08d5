// The public JavaScript API over the raw module: camelCase functions that take and return
// plain objects in the shapes of the billing contract, and throw BillingError.
//
// The raw module speaks JSON text (see wasm-plugin/src/lib.rs): arguments go in through
// JSON.stringify, so a JS number reaches the core as its shortest decimal text and is read
// exactly; results come back with every amount as a decimal string. Every entry point of the
// package (Node CJS and ESM, browsers, Deno, Workers, the single-file build) wraps its raw
// module with createApi, so they all answer identically.
//
// This file is also the source of the CommonJS and single-file builds: scripts/build-wasm.sh
// strips its `export` keywords, so keep it to top-level declarations without imports.

/** A refused call: `code` and `field` are the billing core's, `message` names the field. */
export class BillingError extends Error {
  constructor(code, message, field) {
    super(message);
    this.name = "BillingError";
    this.code = code;
    this.field = field == null ? null : field;
  }
}

/** The offline tools, by their camelCase export name. */
export const TOOLS = Object.freeze({
  estimateCost: "estimate_cost",
  precheckCredits: "precheck_credits",
  listPlans: "list_plans",
  listPrices: "list_prices",
  quoteTopUp: "quote_top_up",
  priceInputs: "price_inputs",
  catalogReport: "catalog_report",
});

/** Today's date in UTC (YYYY-MM-DD): the day a catalog report measures ages from by default. */
function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

function encodeArgs(value, what) {
  if (value === undefined || value === null) return "null";
  if (typeof value !== "object" || Array.isArray(value)) {
    const got = Array.isArray(value) ? "an array" : typeof value;
    throw new BillingError("invalid_arguments", `${what} must be an object, got ${got}`, null);
  }
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw new BillingError("invalid_arguments", `${what} cannot be sent as JSON: ${e && e.message}`, null);
  }
}

function decode(envelope) {
  const answer = JSON.parse(envelope);
  if (answer.error) {
    throw new BillingError(answer.error.code, answer.error.message, answer.error.field);
  }
  return answer.ok;
}

/**
 * Builds the API over a raw module: an object with `call(tool, json)`, `setCatalog(json)`,
 * `catalogInfo()` and `memoryBytes()` (the wasm-bindgen exports).
 */
export function createApi(raw) {
  const run = (tool) => (args) => decode(raw.call(tool, encodeArgs(args, "arguments")));
  const api = {
    estimateCost: run(TOOLS.estimateCost),
    precheckCredits: run(TOOLS.precheckCredits),
    listPlans: run(TOOLS.listPlans),
    listPrices: run(TOOLS.listPrices),
    quoteTopUp: run(TOOLS.quoteTopUp),
    priceInputs: run(TOOLS.priceInputs),
    catalogReport(args) {
      const given = args === undefined || args === null ? {} : args;
      const filled = typeof given === "object" && !Array.isArray(given) && given.as_of === undefined
        ? { ...given, as_of: todayUtc() }
        : given;
      return decode(raw.call(TOOLS.catalogReport, encodeArgs(filled, "arguments")));
    },
    catalogVersion: () => decode(raw.catalogInfo()),
    setCatalog(overlay) {
      const text = typeof overlay === "string" ? overlay : encodeArgs(overlay, "overlay");
      return decode(raw.setCatalog(text));
    },
    resetCatalog: () => decode(raw.setCatalog("null")),
    call(tool, args) {
      if (typeof tool !== "string") {
        throw new BillingError("invalid_arguments", `tool must be a string, got ${typeof tool}`, null);
      }
      return decode(raw.call(tool, encodeArgs(args, "arguments")));
    },
    memoryBytes: () => raw.memoryBytes(),
    BillingError,
  };
  return Object.freeze(api);
}
