// GENERATED from the contract's JSON Schemas by wasm-plugin/tests/typescript.rs: do not edit.
// Money: results carry decimal strings in US dollars; arguments take a decimal string or a
// JS number (read from its shortest decimal text). Points are integers (1 USD = 10,000,000).

/** US dollars as a decimal string, e.g. "12.50". */
export type UsdString = string;
/** An exact decimal as a string, e.g. "10" or "2.5". */
export type DecimalString = string;
/** An amount given in an argument: a decimal string ("12.50", preferred) or a JS number. */
export type AmountInput = string | number;
/** A JSON value, as found in PiAPI's open `input` and `config` objects. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Account-wide facts. */
export interface AccountFacts {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  auto_recharge_amount_usd: UsdString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  auto_recharge_below_usd: UsdString;
  credit_pack_validity_months: number;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  enterprise_top_up_max_usd: UsdString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  new_account_free_credits_usd: UsdString;
  notes: string[];
  /** Services that cannot run in HYA mode. */
  payg_only_services: string[];
  points_per_usd: number;
  refunds: boolean;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  self_serve_top_up_max_usd: UsdString;
  source: string;
}

export interface Blocker {
  code: BlockerCode;
  /** The line it concerns; null for the whole batch. */
  index: number | null;
  message: string;
}

/** Codes of what stops a batch from being submitted. */
export type BlockerCode = "insufficient_credits" | "plan_required" | "seat_required" | "mode_not_supported" | "service_discontinued" | "unpriced" | "unbounded" | "invalid_input" | "unknown_model" | "unknown_task_type";

/** Result of `catalog_report`: how far to trust the prices. */
export interface CatalogReport {
  as_of: string;
  /** Rows per age class: `fresh` (confirmed within `stale_after_days`), `stale`, `unconfirmed`. */
  by_age: Count[];
  /** Rows per charge timing (at_creation, on_completion). */
  by_charge: Count[];
  /** Rows per confidence (official, conflicting, derived, proxy, third-party, assumed, overlay). */
  by_confidence: Count[];
  /** Rows per status (active, discontinued, unpriced). */
  by_status: Count[];
  catalog_version: string;
  conflicting: ConflictRow[];
  overlay: string | null;
  rows: number;
  /** Stale and unconfirmed rows, oldest first. */
  stale: StaleRow[];
  stale_after_days: number;
  unpriced: UnpricedRow[];
}

/** Arguments of `catalog_report`. */
export interface CatalogReportArgs {
  /** The day ages are measured from, `YYYY-MM-DD` (UTC). The MCP server, the CLI and the JavaScript API fill in today when it is left out; the core itself reads no clock. */
  as_of?: string | null;
  /** A price last confirmed more than this many days before `as_of` is stale (default 90). */
  stale_after_days?: number | null;
}

/** When PiAPI takes a task's money. */
export type Charge = "at_creation" | "on_completion";

/** How sure we are of a figure. `conflicting` marks a price PiAPI's own pages disagree on (the estimate then spans every published figure); `overlay` a price the user supplied. */
export type Confidence = "official" | "conflicting" | "derived" | "proxy" | "third-party" | "assumed" | "overlay";

/** A row whose price PiAPI's own sources disagree on. */
export interface ConflictRow {
  id: string;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  max_usd: UsdString;
  /** The lowest and highest figure: what estimates of the row span per unit. */
  min_usd: UsdString;
  model: string;
  sources: Source[];
  task_type: string;
  unit: Unit;
}

/** How many rows share one value (a confidence, an age class, a charge timing). */
export interface Count {
  key: string;
  rows: number;
}

/** Outcome of a pre-check. */
export type Decision = "ok" | "insufficient_credits" | "blocked";

/** A change to one [`Entry`]: `id` names it, every other field given replaces the base's value, and `null` clears a nullable one. Generated from [`Entry`] by `#[derive(Patch)]`. */
export interface EntryPatch {
  /** When PiAPI takes the money: at creation, or frozen while running and settled on completion. */
  charge?: Charge | null;
  confidence?: Confidence | null;
  /** The date (`YYYY-MM-DD`) the price was last confirmed against a published source. */
  confirmed?: string | null;
  /** Documented defaults for missing inputs. */
  defaults?: { [key: string]: JsonValue } | null;
  freeze?: FreezeRule | null;
  /** Inputs PiAPI accepts only on HYA tasks. */
  hya_only_inputs?: string[] | null;
  /** The HYA seat that runs this service; null when the service is pay-as-you-go only. */
  hya_seat?: string | null;
  /** Stable id; overlays address entries by it. */
  id: string;
  model?: string | null;
  /** Confidence of a task that takes more than one unit, when that is weaker than the unit price's (Kling 10 s = 2 × 5 s is assumed). */
  multi_unit_confidence?: Confidence | null;
  notes?: string | null;
  /** The unit price when PiAPI publishes only a range. */
  price_range_usd?: PriceRangeInput | null;
  /** PAYG price of one unit; null when unpriced or priced by `tiers` or a range. */
  price_usd?: AmountInput | null;
  quantity?: QuantityRule | null;
  /** Midjourney relax: past the plan's daily relax limit a task costs twice the price. */
  relax_limit?: boolean | null;
  /** The lowest plan allowed to run it. */
  requires_plan?: PlanId | null;
  /** Input fields that select this variant: a scalar, or a list of accepted scalars. */
  select?: { [key: string]: JsonValue } | null;
  /** The primary source of the price (a URL or a page's name). */
  source?: string | null;
  /** Every published source of the price, with the figure it gives and when it was seen. */
  sources?: SourceInput[] | null;
  status?: Status | null;
  task_type?: string | null;
  tiers?: PriceTierInput[] | null;
  unit?: Unit | null;
  /** Human label of the variant ("3.0 pro, audio on"). */
  variant?: string | null;
  /** A caution repeated on every line this entry prices. */
  warning?: string | null;
  /** The entry applies only when none of these inputs is set (a request that leaves out a field PiAPI publishes no default for). */
  when_absent?: string[] | null;
  /** The entry applies only when one of these inputs is present (features such as Kling elements that change the price whatever the version). Checked before `select`. */
  when_present?: string[] | null;
}

/** Arguments of `estimate_cost`. */
export interface EstimateArgs {
  /** Mode for tasks whose `config.service_mode` is empty or absent (default "payg"). */
  default_mode?: Mode | null;
  /** The account's plan; gates some services and sets the Midjourney relax limit. */
  plan?: PlanId | null;
  /** Midjourney relax tasks already run today (for the 2× over-limit rule). */
  relax_used_today?: number | null;
  /** The tasks to price (1–1,000 lines). */
  tasks: TaskSpec[];
}

/** One priced line. */
export interface EstimateLine {
  /** When PiAPI takes the money: `at_creation` (the price, consumed when the task is created) or `on_completion` (frozen while it runs, the price consumed when it finishes). */
  charge: Charge;
  confidence: Confidence;
  count: number;
  /** Inputs that were missing and took their documented default, as `field=value`. */
  defaults_used: string[];
  /** Catalog entry that priced the line. */
  entry_id: string;
  /** What PiAPI freezes for the whole line while its tasks run (0 when it charges at creation). */
  freeze_usd: UsdString;
  index: number;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  max_usd: UsdString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  min_usd: UsdString;
  mode: Mode;
  model: string;
  /** Units per task, upper bound; null only on HYA lines whose quantity has no bound. */
  quantity_max: DecimalString | null;
  /** Units per task, lower bound. */
  quantity_min: DecimalString;
  /** HYA seat the line needs; null for pay-as-you-go. */
  seat: string | null;
  source: string;
  status: Status;
  task_type: string;
  unit: Unit;
  /** PAYG price of one unit (the highest applicable tier when the tier is unknown). */
  unit_price_usd: UsdString;
  variant: string;
  warnings: string[];
}

/** Result of `estimate_cost`. */
export interface EstimateResult {
  catalog_version: string;
  errors: LineError[];
  /** True when every line was priced and the total is a single figure. */
  exact: boolean;
  lines: EstimateLine[];
  /** Name of the user's price overlay that was applied, if any. */
  overlay: string | null;
  total_max_points: number;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  total_max_usd: UsdString;
  total_min_points: number;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  total_min_usd: UsdString;
}

/** How a form should ask for an input field. */
export type FieldKind = "choice" | "integer" | "text";

/** What PiAPI freezes per task while it runs, when that differs from the price. */
export interface FreezeRule {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  flat_usd: AmountInput;
}

/** Facts about input media that fix a price which would otherwise be an interval. */
export interface Hints {
  /** Length of the input audio in seconds (e.g. the speech that drives a Kling avatar). */
  audio_seconds?: AmountInput | null;
  /** Number of frames of the input video. */
  frames?: number | null;
  /** Height in pixels of the input (or output) image. */
  height?: number | null;
  /** Total length in seconds of the reference videos a task sends (e.g. Seedance omni reference bills them beside the output). */
  input_video_seconds?: AmountInput | null;
  /** Length of the input or output video in seconds. */
  video_seconds?: AmountInput | null;
  /** Width in pixels of the input (or output) image. */
  width?: number | null;
}

/** A host-your-account seat. */
export interface HyaSeat {
  confidence: Confidence;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  monthly_usd: UsdString | null;
  service: string;
  source: string;
  status: SeatStatus;
}

/** One `input` field that changes the price. */
export interface InputField {
  /** The documented default PiAPI applies when the field is missing. */
  default: string | number | boolean | null;
  kind: FieldKind;
  max: number | null;
  min: number | null;
  name: string;
  /** The priced values (strings, numbers or booleans, as PiAPI takes them). */
  values: (string | number | boolean)[];
}

/** A line that is left out of the totals, with the reason. */
export interface LineError {
  code: LineErrorCode;
  index: number;
  message: string;
}

/** Codes of a line that could not be priced. */
export type LineErrorCode = "unknown_model" | "unknown_task_type" | "invalid_input" | "unpriced" | "mode_not_supported" | "unbounded";

/** Arguments of `list_prices`. */
export interface ListPricesArgs {
  /** Only this model (exact PiAPI model name). */
  model?: string | null;
  /** Case-insensitive (ASCII letters) substring over model, task type, variant and id. */
  query?: string | null;
  /** Only this task type. */
  task_type?: string | null;
}

/** Result of `list_prices`. */
export interface ListPricesResult {
  catalog_version: string;
  entries: PriceRow[];
  overlay: string | null;
}

/** How a task is billed: PiAPI's pool from credits, or the user's own seat. */
export type Mode = "payg" | "hya";

export interface NextTier {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  above_usd: UsdString;
  /** an exact decimal as a string, e.g. "10" or "2.5" (a JSON number is accepted on input) */
  bonus_pct: DecimalString;
}

/** Arguments of tools that take none; an object so MCP schemas stay `type: object`. */
export type NoArgs = Record<string, never>;

/** A user's price overlay: entries patched by id (any subset of fields) or added whole. */
export interface OverlayFile {
  entries: EntryPatch[];
  /** Reported as `overlay` by every estimate made with it. */
  name: string;
  /** Where the overlay's prices come from (a contract, an invoice); defaults to the name. */
  source?: string | null;
}

/** A subscription plan. */
export interface Plan {
  confidence: Confidence;
  features: string[];
  id: PlanId;
  limits: PlanLimits;
  /** Monthly price; null when it is negotiated (Enterprise). */
  monthly_usd: UsdString | null;
  name: string;
  source: string;
}

/** PiAPI's subscription plans, lowest first: a plan allows what every plan below it allows. */
export type PlanId = "free" | "creator" | "pro" | "enterprise";

/** Per-plan limits; null where PiAPI publishes none. */
export interface PlanLimits {
  /** Incorrect tasks a day before the plan's penalty applies. */
  incorrect_tasks_per_day: number | null;
  /** Midjourney relax tasks a day before each costs twice the price. */
  midjourney_relax_per_day: number | null;
  /** Largest single top-up without staff. */
  single_top_up_max_usd: UsdString;
}

/** Result of `list_plans`: the account side of the catalog as data. */
export interface PlansResult {
  account_facts: AccountFacts;
  catalog_version: string;
  hya_seats: HyaSeat[];
  plans: Plan[];
  top_up_tiers: TopUpTier[];
  usage_modes: UsageMode[];
}

/** Seconds of input media billed on top of an input quantity: `factor × hint` for each of `factors` (several give an interval, which also spans formulas PiAPI states differently). Without the hint the line spans up to `max` seconds when documented, else it is unbounded. */
export interface Plus {
  factors: AmountInput[];
  hint: SecondsHint;
  max?: number | null;
}

/** Arguments of `precheck_credits`: the estimate arguments plus the account's funds. */
export interface PrecheckArgs {
  /** Account balance in USD. The MCP server fetches it from PiAPI when omitted. */
  balance_usd?: AmountInput | null;
  default_mode?: Mode | null;
  /** Credits already frozen by running tasks, in USD (default 0). */
  frozen_usd?: AmountInput | null;
  /** Services with an active host-your-account seat (e.g. ["kling"]). */
  hya_seats?: string[] | null;
  plan?: PlanId | null;
  relax_used_today?: number | null;
  /** The tasks to check (1–1,000 lines). */
  tasks: TaskSpec[];
}

/** Result of `precheck_credits`. */
export interface PrecheckResult {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  available_usd: UsdString;
  blockers: Blocker[];
  decision: Decision;
  estimate: EstimateResult;
  ok: boolean;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  required_usd: UsdString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  shortfall_usd: UsdString;
  suggested_top_up: SuggestedTopUp | null;
}

/** Result of `price_inputs`: the inputs that change a model's price, for forms and assistants. */
export interface PriceInputs {
  fields: InputField[];
  /** `hints` keys that fix a price depending on media the estimator cannot see. */
  hints: string[];
  model: string;
  task_type: string;
}

/** Arguments of `price_inputs`. */
export interface PriceInputsArgs {
  /** PiAPI model, exactly as sent to PiAPI (e.g. "kling"). */
  model: string;
  /** PiAPI task type (e.g. "video_generation"). */
  task_type: string;
}

/** A price PiAPI publishes only as a range: the estimate spans it. */
export interface PriceRange {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  max: DecimalString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  min: DecimalString;
}

/** A price PiAPI publishes only as a range: the estimate spans it. */
export interface PriceRangeInput {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  max: AmountInput;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  min: AmountInput;
}

/** One row of the price list. */
export interface PriceRow {
  /** When PiAPI takes the money (see `EstimateLine::charge`). */
  charge: Charge;
  confidence: Confidence;
  /** When the price was last confirmed against a published source (`YYYY-MM-DD`). */
  confirmed: string | null;
  /** HYA seat that runs this service at no credit cost; null when pay-as-you-go only. */
  hya_seat: string | null;
  id: string;
  mode: Mode;
  model: string;
  notes: string;
  /** The published range, when PiAPI gives only a range. */
  price_range_usd: PriceRange | null;
  /** PAYG price of one unit; null when unpriced or priced by tiers. */
  price_usd: UsdString | null;
  source: string;
  /** Every published source of the price, with its figure and the date it was seen. */
  sources: Source[];
  status: Status;
  task_type: string;
  /** Price tiers by output pixels, when the entry has them. */
  tiers: PriceTier[];
  unit: Unit;
  variant: string;
}

/** A price that depends on output size (Z-Image): the first tier whose `max_pixels` holds the image applies; the last tier has no maximum. */
export interface PriceTier {
  max_pixels: number | null;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  price_usd: UsdString;
}

/** A price that depends on output size (Z-Image): the first tier whose `max_pixels` holds the image applies; the last tier has no maximum. */
export interface PriceTierInput {
  max_pixels?: number | null;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  price_usd: AmountInput;
}

/** How many units one task consumes. */
export type QuantityRule = { kind: "one" } | { allowed?: number[] | null; default?: number | null; field: string; kind: "input"; max: number; min: number; per?: number; plus?: Plus | null; suffix?: string | null; sum_when?: SumWhen | null } | { block: number; field: string; kind: "text_blocks"; max_chars: number } | { block: number; hint?: SecondsHint | null; kind: "video_seconds"; max?: number | null; min: number } | { kind: "frames"; max?: number | null } | { kind: "megapixels"; min: number; scale_default?: number | null; scale_field?: string | null };

/** Arguments of `quote_top_up`. */
export interface QuoteTopUpArgs {
  /** The one-time top-up in USD (> 0, at most two decimals). */
  amount_usd: AmountInput;
  /** The account's plan; Enterprise may top up more without staff. */
  plan?: PlanId | null;
}

/** Whether a seat price is current, historical or unknown. */
export type SeatStatus = "current" | "historical" | "unpublished";

/** A hint that gives seconds of media the request only links to. */
export type SecondsHint = "video_seconds" | "audio_seconds" | "input_video_seconds";

/** One published source of a row's price. */
export interface Source {
  /** The price of one unit of the row as this source gives it, in USD; null when the source gives no price (only a selector or a rule). */
  figure: DecimalString | null;
  note?: string | null;
  /** The date the source shows (a page's date, an example's `created_at`), `YYYY-MM-DD`; null when undated. */
  seen: string | null;
  url: string;
}

/** One published source of a row's price. */
export interface SourceInput {
  /** The price of one unit of the row as this source gives it, in USD; null when the source gives no price (only a selector or a rule). */
  figure?: AmountInput | null;
  note?: string | null;
  /** The date the source shows (a page's date, an example's `created_at`), `YYYY-MM-DD`; null when undated. */
  seen?: string | null;
  url: string;
}

/** A row not confirmed recently (or never). */
export interface StaleRow {
  /** Days from `confirmed` to `as_of`; null when unconfirmed. */
  age_days: number | null;
  /** When the price was last confirmed; null when the catalog does not say. */
  confirmed: string | null;
  id: string;
  model: string;
  task_type: string;
}

/** Whether a service can be bought today. */
export type Status = "active" | "discontinued" | "unpriced";

/** A top-up that would cover a shortfall. */
export interface SuggestedTopUp {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  amount_usd: UsdString;
  /** an exact decimal as a string, e.g. "10" or "2.5" (a JSON number is accepted on input) */
  bonus_pct: DecimalString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  bonus_usd: UsdString;
  self_serve: boolean;
}

/** Kling multi-shot: the duration is the sum of `array[].field` when the `flag` input is true, or, without a flag, whenever the array is given and not empty. */
export interface SumWhen {
  array: string;
  field: string;
  flag?: string | null;
}

/** One line of work in PiAPI's Unified API Schema, plus a repeat count and hints. */
export interface TaskSpec {
  /** The task's `config` object; `service_mode` "public" is pay-as-you-go, "private" is HYA. */
  config?: { [key: string]: JsonValue };
  /** How many identical tasks this line stands for (1–10,000). Any whole number is read, so that 0 and a negative count are the same line error, not one a refusal of the call. */
  count?: number;
  /** Quantities that depend on media the estimator cannot see. */
  hints?: Hints;
  /** The task's `input` object; fields that change the price are read, others are ignored. */
  input?: { [key: string]: JsonValue };
  /** PiAPI model, exactly as sent to `POST /api/v1/task` (e.g. "kling", "Qubico/flux1-dev"). */
  model: string;
  /** PiAPI task type (e.g. "video_generation", "txt2img"). */
  task_type: string;
}

/** Result of `quote_top_up`. */
export interface TopUpQuote {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  amount_usd: UsdString;
  /** an exact decimal as a string, e.g. "10" or "2.5" (a JSON number is accepted on input) */
  bonus_pct: DecimalString;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  bonus_usd: UsdString;
  credited_points: number;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  credited_usd: UsdString;
  next_tier: NextTier | null;
  /** True when the amount is within the single self-serve top-up limit. */
  self_serve: boolean;
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  self_serve_limit_usd: UsdString;
}

/** A bonus tier: top-ups strictly above `above_usd` earn `bonus_pct` percent extra. */
export interface TopUpTier {
  /** US dollars as a decimal string, e.g. "12.50" (a JSON number is accepted on input) */
  above_usd: UsdString;
  /** an exact decimal as a string, e.g. "10" or "2.5" (a JSON number is accepted on input) */
  bonus_pct: DecimalString;
  confidence?: Confidence | null;
  source?: string | null;
}

/** What one unit of a price is. */
export type Unit = "task" | "second" | "image" | "song" | "five_seconds" | "kchar" | "megapixel" | "frame";

/** A row PiAPI lists without a price. */
export interface UnpricedRow {
  id: string;
  model: string;
  reason: string;
  task_type: string;
}

/** How a task is billed. */
export interface UsageMode {
  id: Mode;
  name: string;
  needs: string;
  per_task_charge: string;
  /** The `config.service_mode` value that selects it. */
  service_mode: string;
  source: string;
  who_runs_the_job: string;
}

/** Snake_case names of the offline tools, as `call` and the MCP server take them. */
export type ToolName = "estimate_cost" | "precheck_credits" | "list_plans" | "list_prices" | "quote_top_up" | "price_inputs" | "catalog_report";

export interface ToolArgs {
  estimate_cost: EstimateArgs;
  precheck_credits: PrecheckArgs;
  list_plans: NoArgs;
  list_prices: ListPricesArgs;
  quote_top_up: QuoteTopUpArgs;
  price_inputs: PriceInputsArgs;
  catalog_report: CatalogReportArgs;
}

export interface ToolResults {
  estimate_cost: EstimateResult;
  precheck_credits: PrecheckResult;
  list_plans: PlansResult;
  list_prices: ListPricesResult;
  quote_top_up: TopUpQuote;
  price_inputs: PriceInputs;
  catalog_report: CatalogReport;
}
