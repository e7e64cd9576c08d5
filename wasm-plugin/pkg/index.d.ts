// Types of the piapi-billing-wasm API: the shapes of the billing contract
// (shared/docs/contract.md), as plain JavaScript objects.
//
// Money: every amount in a result is a decimal string in US dollars ("2.00"); compare it
// numerically or with a decimal library, never through parseFloat sums. Amounts in arguments
// may be a decimal string or a JS number (a number is read from its shortest decimal text).
// Points are integers: 1 USD = 10,000,000 points.

/** US dollars as a decimal string, e.g. "12.50". */
export type UsdString = string;
/** An exact decimal as a string, e.g. "10" or "2.5". */
export type DecimalString = string;
/** An amount given in an argument: a decimal string ("12.50", preferred) or a JS number. */
export type AmountInput = string | number;

export type PlanId = "free" | "creator" | "pro" | "enterprise";
export type Mode = "payg" | "hya";
export type Confidence = "official" | "derived" | "proxy" | "third-party" | "assumed" | "overlay";
export type Status = "active" | "discontinued" | "unpriced";
export type Unit = "task" | "second" | "image" | "song" | "five_seconds" | "kchar" | "megapixel" | "frame";
export type LineErrorCode =
  | "unknown_model"
  | "unknown_task_type"
  | "invalid_input"
  | "unpriced"
  | "mode_not_supported"
  | "unbounded";
export type Decision = "ok" | "insufficient_credits" | "blocked";
export type BlockerCode =
  | "insufficient_credits"
  | "plan_required"
  | "seat_required"
  | "mode_not_supported"
  | "service_discontinued"
  | "unpriced"
  | "unbounded"
  | "invalid_input"
  | "unknown_model"
  | "unknown_task_type";
/** Codes of a refused call (`BillingError.code`). */
export type ErrorCode = "invalid_arguments" | "invalid_catalog" | "unknown_tool" | "ledger";

/** A JSON value, as found in PiAPI's open `input` and `config` objects. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Facts about input media that fix a price which would otherwise be an interval. */
export interface Hints {
  video_seconds?: AmountInput;
  frames?: number;
  width?: number;
  height?: number;
}

/** One line of work in PiAPI's Unified API Schema (the body of `POST /api/v1/task`). */
export interface TaskSpec {
  model: string;
  task_type: string;
  /** PiAPI's `input`; fields that change the price are read, others (prompts, URLs) ignored. */
  input?: { [key: string]: JsonValue };
  /** PiAPI's `config`; `service_mode` "public" is pay-as-you-go, "private" is HYA. */
  config?: { [key: string]: JsonValue };
  /** How many identical tasks this line stands for (1–10,000; default 1). */
  count?: number;
  hints?: Hints;
}

export interface EstimateArgs {
  /** 1–1,000 lines. */
  tasks: TaskSpec[];
  plan?: PlanId;
  default_mode?: Mode;
  relax_used_today?: number;
}

export interface EstimateLine {
  index: number;
  model: string;
  task_type: string;
  entry_id: string;
  variant: string;
  mode: Mode;
  count: number;
  unit: Unit;
  quantity_min: DecimalString;
  /** null only on HYA lines whose quantity has no bound. */
  quantity_max: DecimalString | null;
  unit_price_usd: UsdString;
  min_usd: UsdString;
  max_usd: UsdString;
  freeze_usd: UsdString;
  seat: string | null;
  confidence: Confidence;
  source: string;
  status: Status;
  defaults_used: string[];
  warnings: string[];
}

export interface LineError {
  index: number;
  code: LineErrorCode;
  message: string;
}

export interface EstimateResult {
  catalog_version: string;
  overlay: string | null;
  total_min_usd: UsdString;
  total_max_usd: UsdString;
  total_min_points: number;
  total_max_points: number;
  exact: boolean;
  lines: EstimateLine[];
  errors: LineError[];
}

export interface PrecheckArgs extends EstimateArgs {
  /** The account's balance in USD: required here (the module cannot ask PiAPI). */
  balance_usd: AmountInput;
  /** Credits already frozen by running tasks (default 0). */
  frozen_usd?: AmountInput;
  /** Services with an active host-your-account seat, e.g. ["kling"]. */
  hya_seats?: string[];
}

export interface Blocker {
  index: number | null;
  code: BlockerCode;
  message: string;
}

export interface SuggestedTopUp {
  amount_usd: UsdString;
  bonus_pct: DecimalString;
  bonus_usd: UsdString;
  self_serve: boolean;
}

export interface PrecheckResult {
  ok: boolean;
  decision: Decision;
  available_usd: UsdString;
  required_usd: UsdString;
  shortfall_usd: UsdString;
  blockers: Blocker[];
  suggested_top_up: SuggestedTopUp | null;
  estimate: EstimateResult;
}

export interface ListPricesArgs {
  model?: string;
  task_type?: string;
  /** Case-insensitive substring over model, task type, variant and id. */
  query?: string;
}

export interface PriceTier {
  max_pixels: number | null;
  price_usd: UsdString;
}

export interface PriceRow {
  id: string;
  model: string;
  task_type: string;
  variant: string;
  unit: Unit;
  price_usd: UsdString | null;
  tiers: PriceTier[];
  mode: Mode;
  hya_seat: string | null;
  confidence: Confidence;
  source: string;
  status: Status;
  notes: string;
}

export interface ListPricesResult {
  catalog_version: string;
  overlay: string | null;
  entries: PriceRow[];
}

export interface QuoteTopUpArgs {
  /** The one-time top-up in USD (> 0, whole cents). */
  amount_usd: AmountInput;
  plan?: PlanId;
}

export interface NextTier {
  above_usd: UsdString;
  bonus_pct: DecimalString;
}

export interface TopUpQuote {
  amount_usd: UsdString;
  bonus_pct: DecimalString;
  bonus_usd: UsdString;
  credited_usd: UsdString;
  credited_points: number;
  self_serve: boolean;
  self_serve_limit_usd: UsdString;
  next_tier: NextTier | null;
}

export interface PlanLimits {
  midjourney_relax_per_day: number | null;
  incorrect_tasks_per_day: number | null;
  single_top_up_max_usd: UsdString;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** null when negotiated (Enterprise). */
  monthly_usd: UsdString | null;
  features: string[];
  limits: PlanLimits;
  confidence: Confidence;
  source: string;
}

export interface UsageMode {
  id: Mode;
  name: string;
  service_mode: string;
  who_runs_the_job: string;
  per_task_charge: string;
  needs: string;
  source: string;
}

export interface HyaSeat {
  service: string;
  monthly_usd: UsdString | null;
  status: "current" | "historical" | "unpublished";
  confidence: Confidence;
  source: string;
}

export interface TopUpTier {
  above_usd: UsdString;
  bonus_pct: DecimalString;
}

export interface AccountFacts {
  points_per_usd: number;
  new_account_free_credits_usd: UsdString;
  credit_pack_validity_months: number;
  self_serve_top_up_max_usd: UsdString;
  enterprise_top_up_max_usd: UsdString;
  auto_recharge_below_usd: UsdString;
  auto_recharge_amount_usd: UsdString;
  refunds: boolean;
  payg_only_services: string[];
  notes: string[];
  source: string;
}

export interface PlansResult {
  catalog_version: string;
  plans: Plan[];
  usage_modes: UsageMode[];
  hya_seats: HyaSeat[];
  top_up_tiers: TopUpTier[];
  account_facts: AccountFacts;
}

/** A price override of one catalog entry (by id), or a whole new entry. */
export interface OverlayEntry {
  id: string;
  price_usd?: AmountInput | null;
  tiers?: { max_pixels: number | null; price_usd: AmountInput }[];
  [field: string]: JsonValue | undefined;
}

/** A user's price overlay, e.g. negotiated prices. */
export interface Overlay {
  /** Reported as `overlay` by every result made with it. */
  name: string;
  /** Where the prices come from (a contract, an invoice); defaults to the name. */
  source?: string;
  entries: OverlayEntry[];
}

export interface PriceInputsArgs {
  model: string;
  task_type: string;
}

/** An `input` field that changes the price, as an estimator form should ask for it. */
export interface InputField {
  name: string;
  /** "choice": one of `values`; "integer": a whole number in min..max; "text": its length prices it. */
  kind: "choice" | "integer" | "text";
  values: JsonValue[];
  min: number | null;
  max: number | null;
  /** The documented default PiAPI applies when the field is missing. */
  default: JsonValue | null;
}

export interface PriceInputs {
  model: string;
  task_type: string;
  fields: InputField[];
  /** `hints` keys that fix a price depending on media the estimator cannot see. */
  hints: ("video_seconds" | "frames" | "width" | "height")[];
}

/** Which prices the module is answering with. */
export interface CatalogInfo {
  catalog_version: string;
  overlay: string | null;
  entries: number;
}

/** Snake_case tool names accepted by `call`. */
export type ToolName = "estimate_cost" | "precheck_credits" | "list_plans" | "list_prices" | "quote_top_up";

export interface ToolArgs {
  estimate_cost: EstimateArgs;
  precheck_credits: PrecheckArgs;
  list_plans: Record<string, never> | undefined;
  list_prices: ListPricesArgs | undefined;
  quote_top_up: QuoteTopUpArgs;
}

export interface ToolResults {
  estimate_cost: EstimateResult;
  precheck_credits: PrecheckResult;
  list_plans: PlansResult;
  list_prices: ListPricesResult;
  quote_top_up: TopUpQuote;
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
  precheckCredits(args: PrecheckArgs): PrecheckResult;
  listPlans(args?: Record<string, never>): PlansResult;
  listPrices(args?: ListPricesArgs): ListPricesResult;
  quoteTopUp(args: QuoteTopUpArgs): TopUpQuote;
  catalogVersion(): CatalogInfo;
  /** The `input` fields that change the price of a model's task (for estimator forms). */
  priceInputs(args: PriceInputsArgs): PriceInputs;
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
export declare const catalogVersion: PiapiBilling["catalogVersion"];
export declare const setCatalog: PiapiBilling["setCatalog"];
export declare const resetCatalog: PiapiBilling["resetCatalog"];
export declare const call: PiapiBilling["call"];
export declare const memoryBytes: PiapiBilling["memoryBytes"];

declare const billing: PiapiBilling;
export default billing;
