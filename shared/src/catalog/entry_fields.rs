// The fields of a catalog entry, in the order of `Entry`: the reader of catalog rows and
// overlay patches (`read.rs`) and the catalog compiler (`build.rs`) both `include!` this list,
// so a field added to one is known to the other.

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
