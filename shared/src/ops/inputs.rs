//! `price_inputs`: which `input` fields change the price of a model's task, read from the
//! catalog's own selection and quantity rules, so a form (the estimator page, the MCP App's
//! cost card) or an assistant can offer exactly those fields and their allowed values without
//! hard-coding any model. One arm per quantity rule kind, beside the estimator's.

use serde_json::Value;

use crate::catalog::Catalog;
use crate::contract::{FieldKind, InputField, PriceInputs, PriceInputsArgs};
use crate::error::Error;
use crate::model::{Entry, QuantityRule, SecondsHint};

pub fn price_inputs(catalog: &Catalog, args: &PriceInputsArgs) -> Result<PriceInputs, Error> {
    catalog.check_model("model", &args.model)?;
    let entries: Vec<&Entry> = catalog.candidates(&args.model, &args.task_type).collect();
    if entries.is_empty() {
        return Err(Error::invalid(
            "task_type",
            format!(
                "unknown task_type \"{}\" for model \"{}\"; known: {}",
                args.task_type,
                args.model,
                catalog.task_types(&args.model).join(", ")
            ),
        ));
    }
    let mut form = Form::default();
    for entry in &entries {
        form.add_entry(entry);
    }
    Ok(PriceInputs {
        model: args.model.clone(),
        task_type: args.task_type.clone(),
        fields: form.fields,
        hints: form.hints,
    })
}

#[derive(Default)]
struct Form {
    fields: Vec<InputField>,
    hints: Vec<&'static str>,
}

impl Form {
    fn add_entry(&mut self, entry: &Entry) {
        for (name, selector) in &entry.select {
            let values: Vec<Value> = match selector {
                Value::Array(options) => options.clone(),
                one => vec![one.clone()],
            };
            let field = self.field(name, FieldKind::Choice);
            for v in values {
                if !field.values.contains(&v) {
                    field.values.push(v);
                }
            }
        }
        match &entry.quantity {
            QuantityRule::Input {
                field,
                min,
                max,
                allowed,
                default,
                plus,
                ..
            } => {
                if let Some(plus) = plus {
                    self.hint(plus.hint.as_str());
                }
                let f = self.field(field, FieldKind::Integer);
                f.kind = FieldKind::Integer;
                f.min = Some(f.min.map_or(*min, |m| m.min(*min)));
                f.max = Some(f.max.map_or(*max, |m| m.max(*max)));
                for v in allowed.iter().flatten() {
                    if !f.values.contains(&Value::from(*v)) {
                        f.values.push(Value::from(*v));
                    }
                }
                if f.default.is_none() {
                    f.default = default.map(Value::from);
                }
            }
            QuantityRule::TextBlocks {
                field, max_chars, ..
            } => {
                let f = self.field(field, FieldKind::Text);
                f.max = Some(*max_chars);
            }
            QuantityRule::VideoSeconds { hint, .. } => {
                self.hint(hint.unwrap_or(SecondsHint::VideoSeconds).as_str())
            }
            QuantityRule::Frames { .. } => self.hint("frames"),
            QuantityRule::Megapixels {
                scale_field,
                scale_default,
                ..
            } => {
                self.hint("width");
                self.hint("height");
                if let Some(name) = scale_field {
                    let f = self.field(name, FieldKind::Integer);
                    f.min = Some(1);
                    if f.default.is_none() {
                        f.default = scale_default.map(Value::from);
                    }
                }
            }
            QuantityRule::One => {}
        }
        for (name, value) in &entry.defaults {
            let field = self.fields.iter_mut().find(|f| &f.name == name);
            if let Some(f) = field.filter(|f| f.default.is_none()) {
                f.default = Some(value.clone());
            }
        }
    }

    fn field(&mut self, name: &str, kind: FieldKind) -> &mut InputField {
        let pos = match self.fields.iter().position(|f| f.name == name) {
            Some(pos) => pos,
            None => {
                self.fields.push(InputField {
                    name: name.to_string(),
                    kind,
                    values: Vec::new(),
                    min: None,
                    max: None,
                    default: None,
                });
                self.fields.len() - 1
            }
        };
        &mut self.fields[pos]
    }

    fn hint(&mut self, name: &'static str) {
        if !self.hints.contains(&name) {
            self.hints.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(model: &str, task_type: &str) -> Result<PriceInputs, Error> {
        let args = PriceInputsArgs {
            model: model.into(),
            task_type: task_type.into(),
        };
        price_inputs(Catalog::builtin(), &args)
    }

    #[test]
    fn kling_video_offers_version_mode_audio_and_duration() {
        let form = inputs("kling", "video_generation").unwrap();
        let field = |n: &str| {
            form.fields
                .iter()
                .find(|f| f.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert!(field("version").values.contains(&Value::from("3.0")));
        assert_eq!(field("mode").kind, FieldKind::Choice);
        assert!(field("mode").values.contains(&Value::from("pro")));
        assert!(field("enable_audio").values.contains(&Value::from(true)));
        let duration = field("duration");
        assert_eq!(duration.kind, FieldKind::Integer);
        assert!(duration.min.unwrap() <= 5 && duration.max.unwrap() >= 10);
    }

    #[test]
    fn arguments_are_read_with_path_aware_messages() {
        let args: PriceInputsArgs =
            crate::json::from_str(r#"{"task_type": "txt2img", "model": "Qubico/flux1-dev"}"#)
                .unwrap();
        assert_eq!(args.model, "Qubico/flux1-dev");
        assert_eq!(args.task_type, "txt2img");
        let err = crate::json::from_str::<PriceInputsArgs>(r#"{"model": "kling"}"#).unwrap_err();
        assert!(
            err.message.contains("missing field `task_type`"),
            "{}",
            err.message
        );
        let err = crate::json::from_str::<PriceInputsArgs>(r#"{"model": 3, "task_type": "x"}"#)
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("model"));
        let err =
            crate::json::from_str::<PriceInputsArgs>(r#"{"model": "k", "task": "x"}"#).unwrap_err();
        assert!(
            err.message.contains("unknown field `task`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        let err = inputs("klingg", "video_generation").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("model"));
        assert!(err.message.contains("kling"), "{}", err.message);
        let err = inputs("kling", "txt2img").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("task_type"));
        assert!(err.message.contains("video_generation"), "{}", err.message);
    }
}
