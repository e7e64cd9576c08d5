// The JSON field names of the catalog file's types: the reader of catalog files and overlay
// patches (`read.rs`) and the catalog compiler (`build.rs`) both `include!` these lists, so a
// field added to one is known to the other.

/// An entry's fields, in the order of `Entry`.
const ENTRY_FIELDS: &[&str] = &[
    "id",
    "model",
    "task_type",
    "variant",
    "select",
    "when_present",
    "defaults",
    "unit",
    "quantity",
    "price_usd",
    "tiers",
    "hya_seat",
    "hya_only_inputs",
    "freeze",
    "requires_plan",
    "relax_limit",
    "status",
    "confidence",
    "multi_unit_confidence",
    "warning",
    "source",
    "notes",
];

/// The catalog file's top-level fields.
const CATALOG_FIELDS: &[&str] = &[
    "version",
    "description",
    "entries",
    "plans",
    "usage_modes",
    "hya_seats",
    "top_up_tiers",
    "account_facts",
];

/// The rule kinds, as the `kind` tag names them.
const QUANTITY_KINDS: &[&str] = &[
    "one",
    "input",
    "text_blocks",
    "video_seconds",
    "frames",
    "megapixels",
];

/// The fields of each quantity rule kind, its `kind` tag first.
const ONE_FIELDS: &[&str] = &["kind"];
const INPUT_FIELDS: &[&str] = &[
    "kind", "field", "min", "max", "allowed", "default", "per", "sum_when",
];
const TEXT_BLOCKS_FIELDS: &[&str] = &["kind", "field", "block", "max_chars"];
const VIDEO_SECONDS_FIELDS: &[&str] = &["kind", "block", "min", "max"];
const FRAMES_FIELDS: &[&str] = &["kind", "max"];
const MEGAPIXELS_FIELDS: &[&str] = &["kind", "min", "scale_field", "scale_default"];

const SUM_WHEN_FIELDS: &[&str] = &["flag", "array", "field"];
const PRICE_TIER_FIELDS: &[&str] = &["max_pixels", "price_usd"];
const FREEZE_FIELDS: &[&str] = &["flat_usd"];

const PLAN_FIELDS: &[&str] = &[
    "id",
    "name",
    "monthly_usd",
    "features",
    "limits",
    "confidence",
    "source",
];
const PLAN_LIMIT_FIELDS: &[&str] = &[
    "midjourney_relax_per_day",
    "incorrect_tasks_per_day",
    "single_top_up_max_usd",
];
const USAGE_MODE_FIELDS: &[&str] = &[
    "id",
    "name",
    "service_mode",
    "who_runs_the_job",
    "per_task_charge",
    "needs",
    "source",
];
const HYA_SEAT_FIELDS: &[&str] = &["service", "monthly_usd", "status", "confidence", "source"];
const TOP_UP_TIER_FIELDS: &[&str] = &["above_usd", "bonus_pct"];
const ACCOUNT_FACT_FIELDS: &[&str] = &[
    "points_per_usd",
    "new_account_free_credits_usd",
    "credit_pack_validity_months",
    "self_serve_top_up_max_usd",
    "enterprise_top_up_max_usd",
    "auto_recharge_below_usd",
    "auto_recharge_amount_usd",
    "refunds",
    "payg_only_services",
    "notes",
    "source",
];
