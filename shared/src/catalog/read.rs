//! Reading catalog and overlay files with the core's JSON reader (see `crate::json`).
//!
//! Field names and which fields are required mirror the types' serde attributes, which their
//! JSON Schemas and written form come from; `tests/reader.rs` checks every reader against its
//! type's schema and reads a written catalog back, so the two cannot drift apart.

use super::{
    CatalogFile, Confidence, Entry, EntryPatch, FreezeRule, OverlayFile, PriceTier, QuantityRule,
    Status, SumWhen, Unit,
};
use crate::error::Error;
use crate::json::{FromJson, Reader, deserialize_with_reader};
use crate::money::Usd;
use crate::plans::{AccountFacts, HyaSeat, Plan, PlanLimits, SeatStatus, UsageMode};
use crate::topup::TopUpTier;

include!("fields.rs");

impl FromJson for Confidence {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.variant(&[
            ("official", Confidence::Official),
            ("derived", Confidence::Derived),
            ("proxy", Confidence::Proxy),
            ("third-party", Confidence::ThirdParty),
            ("assumed", Confidence::Assumed),
            ("overlay", Confidence::Overlay),
        ])
    }
}

impl FromJson for Status {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.variant(&[
            ("active", Status::Active),
            ("discontinued", Status::Discontinued),
            ("unpriced", Status::Unpriced),
        ])
    }
}

impl FromJson for Unit {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.variant(&[
            ("task", Unit::Task),
            ("second", Unit::Second),
            ("image", Unit::Image),
            ("song", Unit::Song),
            ("five_seconds", Unit::FiveSeconds),
            ("kchar", Unit::Kchar),
            ("megapixel", Unit::Megapixel),
            ("frame", Unit::Frame),
        ])
    }
}

impl FromJson for SeatStatus {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.variant(&[
            ("current", SeatStatus::Current),
            ("historical", SeatStatus::Historical),
            ("unpublished", SeatStatus::Unpublished),
        ])
    }
}

impl FromJson for QuantityRule {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let Some(kind) = r.peek_tag("kind")? else {
            return Err(r.error("missing field `kind`"));
        };
        match &*kind {
            "one" => {
                r.fields(ONE_FIELDS, |r, _| r.skip())?;
                Ok(QuantityRule::One)
            }
            "input" => {
                let (mut field, mut min, mut max) = (None, None, None);
                let (mut allowed, mut default, mut per, mut sum_when) = (None, None, 1, None);
                r.fields(INPUT_FIELDS, |r, i| {
                    match i {
                        0 => r.skip()?,
                        1 => field = Some(String::read(r)?),
                        2 => min = Some(r.whole()?),
                        3 => max = Some(r.whole()?),
                        4 => allowed = Option::read(r)?,
                        5 => default = Option::read(r)?,
                        6 => per = r.whole()?,
                        _ => sum_when = Option::read(r)?,
                    }
                    Ok(())
                })?;
                Ok(QuantityRule::Input {
                    field: r.need(field, "field")?,
                    min: r.need(min, "min")?,
                    max: r.need(max, "max")?,
                    allowed,
                    default,
                    per,
                    sum_when,
                })
            }
            "text_blocks" => {
                let (mut field, mut block, mut max_chars) = (None, None, None);
                r.fields(TEXT_BLOCKS_FIELDS, |r, i| {
                    match i {
                        0 => r.skip()?,
                        1 => field = Some(String::read(r)?),
                        2 => block = Some(r.whole()?),
                        _ => max_chars = Some(r.whole()?),
                    }
                    Ok(())
                })?;
                Ok(QuantityRule::TextBlocks {
                    field: r.need(field, "field")?,
                    block: r.need(block, "block")?,
                    max_chars: r.need(max_chars, "max_chars")?,
                })
            }
            "video_seconds" => {
                let (mut block, mut min, mut max) = (None, None, None);
                r.fields(VIDEO_SECONDS_FIELDS, |r, i| {
                    match i {
                        0 => r.skip()?,
                        1 => block = Some(r.whole()?),
                        2 => min = Some(r.whole()?),
                        _ => max = Option::read(r)?,
                    }
                    Ok(())
                })?;
                Ok(QuantityRule::VideoSeconds {
                    block: r.need(block, "block")?,
                    min: r.need(min, "min")?,
                    max,
                })
            }
            "frames" => {
                let mut max = None;
                r.fields(FRAMES_FIELDS, |r, i| {
                    match i {
                        0 => r.skip()?,
                        _ => max = Option::read(r)?,
                    }
                    Ok(())
                })?;
                Ok(QuantityRule::Frames { max })
            }
            "megapixels" => {
                let (mut min, mut scale_field, mut scale_default) = (None, None, None);
                r.fields(MEGAPIXELS_FIELDS, |r, i| {
                    match i {
                        0 => r.skip()?,
                        1 => min = Some(r.whole()?),
                        2 => scale_field = Option::read(r)?,
                        _ => scale_default = Option::read(r)?,
                    }
                    Ok(())
                })?;
                Ok(QuantityRule::Megapixels {
                    min: r.need(min, "min")?,
                    scale_field,
                    scale_default,
                })
            }
            other => {
                let kinds: Vec<String> = QUANTITY_KINDS.iter().map(|k| format!("`{k}`")).collect();
                Err(r.error(format!(
                    "kind: unknown variant `{other}`, expected one of {}",
                    kinds.join(", ")
                )))
            }
        }
    }
}

impl FromJson for SumWhen {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut flag, mut array, mut field) = (None, None, None);
        r.fields(SUM_WHEN_FIELDS, |r, i| {
            let v = Some(String::read(r)?);
            match i {
                0 => flag = v,
                1 => array = v,
                _ => field = v,
            }
            Ok(())
        })?;
        Ok(SumWhen {
            flag: r.need(flag, "flag")?,
            array: r.need(array, "array")?,
            field: r.need(field, "field")?,
        })
    }
}

impl FromJson for PriceTier {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut max_pixels, mut price_usd) = (None, None);
        r.fields(PRICE_TIER_FIELDS, |r, i| {
            match i {
                0 => max_pixels = Option::read(r)?,
                _ => price_usd = Some(FromJson::read(r)?),
            }
            Ok(())
        })?;
        Ok(PriceTier {
            max_pixels,
            price_usd: r.need(price_usd, "price_usd")?,
        })
    }
}

impl FromJson for FreezeRule {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut flat_usd = None;
        r.fields(FREEZE_FIELDS, |r, _| {
            flat_usd = Some(FromJson::read(r)?);
            Ok(())
        })?;
        Ok(FreezeRule {
            flat_usd: r.need(flat_usd, "flat_usd")?,
        })
    }
}

impl FromJson for Entry {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        EntryPatch::read(r)?.complete(|field| r.error(format!("missing field `{field}`")))
    }
}

impl FromJson for EntryPatch {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut id = None;
        let mut p = EntryPatch::default();
        r.fields(ENTRY_FIELDS, |r, i| {
            match i {
                0 => id = Some(r.text()?),
                1 => p.model = Some(r.text()?),
                2 => p.task_type = Some(r.text()?),
                3 => p.variant = Some(r.text()?),
                4 => p.select = Some(FromJson::read(r)?),
                5 => p.when_present = Some(FromJson::read(r)?),
                6 => p.defaults = Some(FromJson::read(r)?),
                7 => p.unit = Some(Unit::read(r)?),
                8 => p.quantity = Some(QuantityRule::read(r)?),
                9 => p.price_usd = Some(Option::read(r)?),
                10 => p.tiers = Some(FromJson::read(r)?),
                11 => p.hya_seat = Some(Option::read(r)?),
                12 => p.hya_only_inputs = Some(FromJson::read(r)?),
                13 => p.freeze = Some(Option::read(r)?),
                14 => p.requires_plan = Some(Option::read(r)?),
                15 => p.relax_limit = Some(r.bool()?),
                16 => p.status = Some(Status::read(r)?),
                17 => p.confidence = Some(Confidence::read(r)?),
                18 => p.multi_unit_confidence = Some(Option::read(r)?),
                19 => p.warning = Some(Option::read(r)?),
                20 => p.source = Some(r.text()?),
                _ => p.notes = Some(r.text()?),
            }
            Ok(())
        })?;
        p.id = r.need(id, "id")?;
        Ok(p)
    }
}

impl FromJson for CatalogFile {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut version, mut description, mut entries, mut plans) = (None, None, None, None);
        let (mut usage_modes, mut hya_seats, mut top_up_tiers, mut account_facts) =
            (None, None, None, None);
        r.fields(CATALOG_FIELDS, |r, i| {
            match i {
                0 => version = Some(String::read(r)?),
                1 => description = Option::read(r)?,
                2 => entries = Some(FromJson::read(r)?),
                3 => plans = Some(FromJson::read(r)?),
                4 => usage_modes = Some(FromJson::read(r)?),
                5 => hya_seats = Some(FromJson::read(r)?),
                6 => top_up_tiers = Some(FromJson::read(r)?),
                _ => account_facts = Some(FromJson::read(r)?),
            }
            Ok(())
        })?;
        Ok(CatalogFile {
            version: r.need(version, "version")?,
            description,
            entries: r.need(entries, "entries")?,
            plans: r.need(plans, "plans")?,
            usage_modes: r.need(usage_modes, "usage_modes")?,
            hya_seats: r.need(hya_seats, "hya_seats")?,
            top_up_tiers: r.need(top_up_tiers, "top_up_tiers")?,
            account_facts: r.need(account_facts, "account_facts")?,
        })
    }
}

impl FromJson for OverlayFile {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut name, mut source, mut entries) = (None, None, None);
        r.fields(&["name", "source", "entries"], |r, i| {
            match i {
                0 => name = Some(String::read(r)?),
                1 => source = Option::read(r)?,
                _ => entries = Some(FromJson::read(r)?),
            }
            Ok(())
        })?;
        Ok(OverlayFile {
            name: r.need(name, "name")?,
            source,
            entries: r.need(entries, "entries")?,
        })
    }
}

impl FromJson for Plan {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut id, mut name, mut monthly_usd, mut features) = (None, None, None, None);
        let (mut limits, mut confidence, mut source) = (None, None, None);
        r.fields(PLAN_FIELDS, |r, i| {
            match i {
                0 => id = Some(FromJson::read(r)?),
                1 => name = Some(String::read(r)?),
                2 => monthly_usd = Option::read(r)?,
                3 => features = Some(FromJson::read(r)?),
                4 => limits = Some(PlanLimits::read(r)?),
                5 => confidence = Some(Confidence::read(r)?),
                _ => source = Some(String::read(r)?),
            }
            Ok(())
        })?;
        Ok(Plan {
            id: r.need(id, "id")?,
            name: r.need(name, "name")?,
            monthly_usd,
            features: r.need(features, "features")?,
            limits: r.need(limits, "limits")?,
            confidence: r.need(confidence, "confidence")?,
            source: r.need(source, "source")?,
        })
    }
}

impl FromJson for PlanLimits {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut relax, mut incorrect, mut top_up_max) = (None, None, None);
        r.fields(PLAN_LIMIT_FIELDS, |r, i| {
            match i {
                0 => relax = Option::read(r)?,
                1 => incorrect = Option::read(r)?,
                _ => top_up_max = Some(FromJson::read(r)?),
            }
            Ok(())
        })?;
        Ok(PlanLimits {
            midjourney_relax_per_day: relax,
            incorrect_tasks_per_day: incorrect,
            single_top_up_max_usd: r.need(top_up_max, "single_top_up_max_usd")?,
        })
    }
}

impl FromJson for UsageMode {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut id = None;
        let mut text: [Option<String>; 6] = Default::default();
        r.fields(USAGE_MODE_FIELDS, |r, i| {
            if i == 0 {
                id = Some(FromJson::read(r)?);
            } else {
                text[i - 1] = Some(String::read(r)?);
            }
            Ok(())
        })?;
        let [
            name,
            service_mode,
            who_runs_the_job,
            per_task_charge,
            needs,
            source,
        ] = text;
        Ok(UsageMode {
            id: r.need(id, "id")?,
            name: r.need(name, "name")?,
            service_mode: r.need(service_mode, "service_mode")?,
            who_runs_the_job: r.need(who_runs_the_job, "who_runs_the_job")?,
            per_task_charge: r.need(per_task_charge, "per_task_charge")?,
            needs: r.need(needs, "needs")?,
            source: r.need(source, "source")?,
        })
    }
}

impl FromJson for HyaSeat {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut service, mut monthly_usd, mut status) = (None, None, None);
        let (mut confidence, mut source) = (None, None);
        r.fields(HYA_SEAT_FIELDS, |r, i| {
            match i {
                0 => service = Some(String::read(r)?),
                1 => monthly_usd = Option::read(r)?,
                2 => status = Some(SeatStatus::read(r)?),
                3 => confidence = Some(Confidence::read(r)?),
                _ => source = Some(String::read(r)?),
            }
            Ok(())
        })?;
        Ok(HyaSeat {
            service: r.need(service, "service")?,
            monthly_usd,
            status: r.need(status, "status")?,
            confidence: r.need(confidence, "confidence")?,
            source: r.need(source, "source")?,
        })
    }
}

impl FromJson for AccountFacts {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut points_per_usd, mut validity_months, mut refunds) = (None, None, None);
        let (mut free_credits, mut self_serve_max, mut enterprise_max) = (None, None, None);
        let (mut recharge_below, mut recharge_amount) = (None, None);
        let (mut payg_only_services, mut notes, mut source) = (None, None, None);
        r.fields(ACCOUNT_FACT_FIELDS, |r, i| {
            match i {
                0 => points_per_usd = Some(r.whole()?),
                1 => free_credits = Some(Usd::read(r)?),
                2 => validity_months = Some(r.whole()?),
                3 => self_serve_max = Some(Usd::read(r)?),
                4 => enterprise_max = Some(Usd::read(r)?),
                5 => recharge_below = Some(Usd::read(r)?),
                6 => recharge_amount = Some(Usd::read(r)?),
                7 => refunds = Some(r.bool()?),
                8 => payg_only_services = Some(FromJson::read(r)?),
                9 => notes = Some(FromJson::read(r)?),
                _ => source = Some(String::read(r)?),
            }
            Ok(())
        })?;
        Ok(AccountFacts {
            points_per_usd: r.need(points_per_usd, ACCOUNT_FACT_FIELDS[0])?,
            new_account_free_credits_usd: r.need(free_credits, ACCOUNT_FACT_FIELDS[1])?,
            credit_pack_validity_months: r.need(validity_months, ACCOUNT_FACT_FIELDS[2])?,
            self_serve_top_up_max_usd: r.need(self_serve_max, ACCOUNT_FACT_FIELDS[3])?,
            enterprise_top_up_max_usd: r.need(enterprise_max, ACCOUNT_FACT_FIELDS[4])?,
            auto_recharge_below_usd: r.need(recharge_below, ACCOUNT_FACT_FIELDS[5])?,
            auto_recharge_amount_usd: r.need(recharge_amount, ACCOUNT_FACT_FIELDS[6])?,
            refunds: r.need(refunds, ACCOUNT_FACT_FIELDS[7])?,
            payg_only_services: r.need(payg_only_services, ACCOUNT_FACT_FIELDS[8])?,
            notes: r.need(notes, ACCOUNT_FACT_FIELDS[9])?,
            source: r.need(source, ACCOUNT_FACT_FIELDS[10])?,
        })
    }
}

impl FromJson for TopUpTier {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (mut above_usd, mut bonus_pct) = (None, None);
        r.fields(TOP_UP_TIER_FIELDS, |r, i| {
            match i {
                0 => above_usd = Some(FromJson::read(r)?),
                _ => bonus_pct = Some(FromJson::read(r)?),
            }
            Ok(())
        })?;
        Ok(TopUpTier {
            above_usd: r.need(above_usd, "above_usd")?,
            bonus_pct: r.need(bonus_pct, "bonus_pct")?,
        })
    }
}

deserialize_with_reader!(
    Confidence,
    Status,
    Unit,
    SeatStatus,
    QuantityRule,
    SumWhen,
    PriceTier,
    FreezeRule,
    Entry,
    EntryPatch,
    CatalogFile,
    OverlayFile,
    Plan,
    PlanLimits,
    UsageMode,
    HyaSeat,
    AccountFacts,
    TopUpTier,
);
