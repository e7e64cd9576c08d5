// Types of the piapi-billing-wasm API. The shapes of the billing contract (docs/contract.md in
// the repository) are generated from the Rust types into `contract.d.ts`; this file declares the
// functions over them.
//
// Money: every amount in a result is a decimal string in US dollars ("2.00"); compare it
// numerically or with a decimal library, never through parseFloat sums. Amounts in arguments
// may be a decimal string or a JS number (a number is read from its shortest decimal text).
// Points are integers: 1 USD = 10,000,000 points.

import type {
  AmountInput, CatalogReport, CatalogReportArgs, EntryPatch, EstimateArgs, EstimateResult, ListPricesArgs, ListPricesResult, OverlayFile,
  PlansResult, PrecheckArgs, PrecheckResult, PriceInputs, PriceInputsArgs, QuoteTopUpArgs,
  ToolArgs, ToolName, ToolResults, TopUpQuote,
} from "./contract.js";

export * from "./contract.js";

/** Codes of a refused call (`BillingError.code`). */
export type ErrorCode = "invalid_arguments" | "invalid_catalog" | "unknown_tool" | "ledger";

/** A price override of one catalog entry (by id), or a whole new entry. */
export type OverlayEntry = EntryPatch;

/** A user's price overlay, e.g. negotiated prices. */
export type Overlay = OverlayFile;

/** Which prices the module is answering with. */
export interface CatalogInfo {
  catalog_version: string;
  overlay: string | null;
  entries: number;
}

/** Thrown for a refused call; the message names the field and the allowed values. */
export declare class BillingError extends Error {
  readonly name: "BillingError";
  readonly code: ErrorCode;
  /** JSON path of the offending argument (e.g. "tasks[0].count"), when there is one. */
  readonly field: string | null;
  constructor(code: ErrorCode, message: string, field?: string | null);
}

/** The billing API; every function is synchronous and throws BillingError on bad input. */
export interface PiapiBilling {
  estimateCost(args: EstimateArgs): EstimateResult;
  /** The module cannot ask PiAPI for the balance: `balance_usd` is required here. */
  precheckCredits(args: PrecheckArgs & { balance_usd: AmountInput }): PrecheckResult;
  listPlans(args?: Record<string, never>): PlansResult;
  listPrices(args?: ListPricesArgs): ListPricesResult;
  quoteTopUp(args: QuoteTopUpArgs): TopUpQuote;
  catalogVersion(): CatalogInfo;
  /** The `input` fields that change the price of a model's task (for estimator forms). */
  priceInputs(args: PriceInputsArgs): PriceInputs;
  /** How far to trust the catalog; `as_of` defaults to today (UTC). */
  catalogReport(args?: CatalogReportArgs): CatalogReport;
  /** Lays an overlay (object or JSON text) over the built-in catalog, replacing any earlier one. */
  setCatalog(overlay: Overlay | string | null): CatalogInfo;
  /** Goes back to the built-in catalog. */
  resetCatalog(): CatalogInfo;
  /** Any offline tool by its snake_case name (the MCP server's tool names). */
  call<T extends ToolName>(tool: T, args?: ToolArgs[T]): ToolResults[T];
  /** The module's linear memory in bytes (for leak checks). */
  memoryBytes(): number;
  readonly BillingError: typeof BillingError;
}

export declare const estimateCost: PiapiBilling["estimateCost"];
export declare const precheckCredits: PiapiBilling["precheckCredits"];
export declare const listPlans: PiapiBilling["listPlans"];
export declare const listPrices: PiapiBilling["listPrices"];
export declare const quoteTopUp: PiapiBilling["quoteTopUp"];
export declare const priceInputs: PiapiBilling["priceInputs"];
export declare const catalogReport: PiapiBilling["catalogReport"];
export declare const catalogVersion: PiapiBilling["catalogVersion"];
export declare const setCatalog: PiapiBilling["setCatalog"];
export declare const resetCatalog: PiapiBilling["resetCatalog"];
export declare const call: PiapiBilling["call"];
export declare const memoryBytes: PiapiBilling["memoryBytes"];

declare const billing: PiapiBilling;
export default billing;
