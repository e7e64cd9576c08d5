//! The built-in catalog as data: every service of the facts has a row, and every priced row
//! can actually be reached by a request.

mod common;

use piapi_billing::catalog::{BUILTIN_JSON, Catalog};
use piapi_billing::model::{QuantityRule, Status};
use piapi_billing::{Billing, EstimateArgs, Hints, TaskSpec};
use serde_json::{Map, Value, json};

/// The (model, task_type) pairs the catalog prices or lists as unpriced, as docs/facts.md
/// documents them: a row dropped by mistake fails here.
const FACTS_SERVICES: &[(&str, &str)] = &[
    ("kling", "video_generation"),
    ("kling", "omni_video_generation"),
    ("kling-turbo", "video_generation"),
    ("kling", "text_to_video"),
    ("kling", "image_to_video"),
    ("kling", "effects"),
    ("kling", "lip_sync"),
    ("kling", "sound"),
    ("kling", "ai_try_on"),
    ("kling", "extend_video"),
    ("kling", "avatar"),
    ("kling", "motion_control"),
    ("hailuo", "video_generation"),
    ("Qubico/minimax-h3", "txt2video"),
    ("Qubico/minimax-h3", "txt2video-less-restriction"),
    ("Qubico/minimax-h3", "img2video"),
    ("Qubico/minimax-h3", "img2video-less-restriction"),
    ("seedance", "seedance-2"),
    ("seedance", "seedance-2-fast"),
    ("seedance", "seedance-2-mini"),
    ("seedance", "seedance-2-less-restriction"),
    ("seedance", "seedance-2-fast-less-restriction"),
    ("seedance", "seedance-2-mini-less-restriction"),
    ("seedance", "seedance-2-preview"),
    ("seedance", "seedance-2-preview-vip"),
    ("seedance", "seedance-2-fast-preview"),
    ("seedance", "seedance-2-fast-preview-vip"),
    ("seedance", "seedance-2.5"),
    ("seedance", "seedance-2.5-less-restriction"),
    ("seedance", "remove-watermark"),
    ("veo3", "veo3-video"),
    ("veo3", "veo3-video-fast"),
    ("veo3.1", "veo3.1-video"),
    ("veo3.1", "veo3.1-video-fast"),
    ("sora2", "sora2-video"),
    ("sora2", "sora2-pro-video"),
    ("sora2", "remove-watermark"),
    ("sora-2-preview", "chat_completion"),
    ("Wan", "wan26-txt2video"),
    ("Wan", "wan26-img2video"),
    ("Qubico/wanx", "txt2video-1.3b"),
    ("Qubico/wanx", "txt2video-14b"),
    ("Qubico/wanx", "img2video-14b"),
    ("Qubico/wanx", "txt2video-14b-lora"),
    ("Qubico/wanx", "img2video-14b-keyframe"),
    ("Qubico/wanx", "img2video-14b-lora"),
    ("Qubico/wanx", "img2video-14b-control-camera"),
    ("Qubico/wanx", "wan22-txt2video-14b"),
    ("Qubico/wanx", "wan22-img2video-14b"),
    ("Qubico/hunyuan", "fast-txt2video"),
    ("Qubico/hunyuan", "txt2video"),
    ("Qubico/hunyuan", "img2video-concat"),
    ("Qubico/hunyuan", "img2video-replace"),
    ("Qubico/hunyuan", "txt2video-lora"),
    ("Qubico/skyreels", "img2video"),
    ("Qubico/framepack", "img2video"),
    ("luma", "video_generation"),
    ("Qubico/hug-video", "image_to_video"),
    ("omni-human", "omni-human-1.5"),
    ("Qubico/flux1-schnell", "txt2img"),
    ("Qubico/flux1-dev", "txt2img"),
    ("Qubico/flux1-schnell", "img2img"),
    ("Qubico/flux1-dev", "img2img"),
    ("Qubico/flux1-dev-advanced", "txt2img-lora"),
    ("Qubico/flux1-dev-advanced", "img2img-lora"),
    ("Qubico/flux1-dev-advanced", "controlnet-lora"),
    ("Qubico/flux1-dev-advanced", "fill-inpaint"),
    ("Qubico/flux1-dev-advanced", "fill-outpaint"),
    ("Qubico/flux1-dev-advanced", "redux-variation"),
    ("Qubico/flux1-dev-advanced", "kontext"),
    ("midjourney", "imagine"),
    ("midjourney", "variation"),
    ("midjourney", "reroll"),
    ("midjourney", "blend"),
    ("midjourney", "inpaint"),
    ("midjourney", "outpaint"),
    ("midjourney", "pan"),
    ("midjourney", "upscale"),
    ("midjourney", "describe"),
    ("midjourney", "seed"),
    ("Qubico/z-image", "txt2img"),
    ("Qubico/qwen-image", "txt2img"),
    ("Qubico/qwen-image", "qwen-image"),
    ("Qubico/qwen-image", "image-edit"),
    ("Qubico/qwen-image-2.1-turbo", "txt2img"),
    ("gemini", "nano-banana-2.1"),
    ("gemini", "nano-banana-pro"),
    ("gemini", "nano-banana-2"),
    ("gemini", "gemini-2.5-flash-image"),
    ("seedream", "seedream-5-lite"),
    ("seedream", "seedream-5-pro"),
    ("seedream", "seedream-5-lite-less-restriction"),
    ("seedream", "seedream-5-pro-less-restriction"),
    ("gpt-4o-image", "image_generation"),
    ("gpt-image-1", "image_generation"),
    ("gpt-image-1", "image_edit"),
    ("gpt-image-1.5", "image_generation"),
    ("gpt-image-1.5", "image_edit"),
    ("gpt-image-2", "image_generation"),
    ("gpt-image-2", "image_edit"),
    ("gpt-image-2-preview", "image_generation"),
    ("gpt-image-2-preview", "image_edit"),
    ("music-u", "generate_music"),
    ("music-u", "generate_music_custom"),
    ("music-u", "generate_lyrics"),
    ("music-s", "generate_music"),
    ("music-s", "generate_music_custom"),
    ("music-s", "generate_lyrics"),
    ("Qubico/diffrhythm", "txt2audio-base"),
    ("Qubico/diffrhythm", "txt2audio-full"),
    ("Qubico/mmaudio", "video2audio"),
    ("Qubico/tts", "zero-shot"),
    ("Qubico/ace-step", "txt2audio"),
    ("Qubico/ace-step", "audio2audio"),
    ("Qubico/ace-step", "edit"),
    ("Qubico/ace-step", "extend"),
    ("byteaudio", "seed-audio-1.0"),
    ("Qubico/image-toolkit", "face-swap"),
    ("Qubico/image-toolkit", "multi-face-swap"),
    ("Qubico/image-toolkit", "background-remove"),
    ("Qubico/image-toolkit", "segment"),
    ("Qubico/image-toolkit", "upscale"),
    ("Qubico/video-toolkit", "face-swap"),
    ("Qubico/video-toolkit", "upscale"),
    ("Qubico/video-toolkit", "background-remove"),
    ("Qubico/joycaption", "joycaption-beta-one"),
    ("upload", "ephemeral_resource"),
    ("Qubico/trellis", "text-to-3d"),
    ("Qubico/trellis", "image-to-3d"),
    ("Qubico/trellis2", "image-to-3d"),
    ("Qubico/pixal3d", "image-to-3d"),
    ("llm", "chat_completion"),
];

#[test]
fn every_service_of_the_facts_has_a_row() {
    let c = Catalog::builtin();
    for (model, task_type) in FACTS_SERVICES {
        assert!(
            c.candidates(model, task_type).next().is_some(),
            "no catalog row for {model} {task_type}"
        );
    }
    // And the catalog has nothing the facts do not name.
    for e in c.entries() {
        assert!(
            FACTS_SERVICES.contains(&(&*e.model, &*e.task_type)),
            "catalog row {} is not in the facts list",
            e.id
        );
    }
}

#[test]
fn every_row_carries_a_source_and_unpriced_rows_say_why() {
    for e in Catalog::builtin().entries() {
        assert!(!e.source.trim().is_empty(), "{} has no source", e.id);
        if e.status == Status::Unpriced {
            assert!(
                e.price_usd.is_none() && e.tiers.is_empty(),
                "{} is unpriced but has a price",
                e.id
            );
            assert!(
                !e.notes.trim().is_empty(),
                "{} is unpriced without a reason",
                e.id
            );
        }
    }
}

/// Builds the request that should select `entry`: its `select` values (first option of a
/// list), its `when_present` trigger, and hints that fix its quantity.
fn request_for(entry: &piapi_billing::model::Entry) -> TaskSpec {
    let mut input = Map::new();
    for (k, v) in &entry.select {
        let v = match v {
            Value::Array(a) => a[0].clone(),
            v => v.clone(),
        };
        input.insert(k.clone(), v);
    }
    if let Some(f) = entry.when_present.first() {
        input.insert(f.clone(), json!("present"));
    }
    let mut hints = Hints::default();
    let ten = Some(piapi_billing::money::Dec(10.into()));
    match &entry.quantity {
        QuantityRule::TextBlocks { field, .. } => {
            input.insert(field.clone(), json!("hello"));
        }
        QuantityRule::Input {
            field,
            min,
            default: None,
            plus,
            ..
        } => {
            input.entry(field.clone()).or_insert(json!(min));
            if plus.is_some() {
                hints.input_video_seconds = ten;
            }
        }
        QuantityRule::Input { plus: Some(_), .. } => hints.input_video_seconds = ten,
        QuantityRule::VideoSeconds { .. } => {
            (hints.video_seconds, hints.audio_seconds) = (ten, ten)
        }
        QuantityRule::Frames { .. } => hints.frames = Some(100),
        QuantityRule::Megapixels { .. } => (hints.width, hints.height) = (Some(1000), Some(1000)),
        _ => {}
    }
    TaskSpec {
        model: entry.model.to_string(),
        task_type: entry.task_type.to_string(),
        input,
        count: 1,
        hints,
        ..Default::default()
    }
}

#[test]
fn every_row_is_reachable_and_no_row_shadows_another() {
    let billing = Billing::new();
    for entry in Catalog::builtin().entries() {
        let task = request_for(entry);
        let r = billing
            .estimate_cost(&EstimateArgs {
                tasks: vec![task],
                ..Default::default()
            })
            .unwrap();
        match entry.status {
            Status::Unpriced => {
                assert_eq!(r.errors.len(), 1, "{}", entry.id);
                assert_eq!(
                    r.errors[0].code.as_str(),
                    "unpriced",
                    "{}: {}",
                    entry.id,
                    r.errors[0].message
                );
            }
            _ => {
                assert!(r.errors.is_empty(), "{}: {:?}", entry.id, r.errors);
                assert_eq!(
                    r.lines[0].entry_id, entry.id,
                    "request for {} priced by another row",
                    entry.id
                );
                // A conflicting row quotes the highest figure its sources give.
                let highest = entry
                    .conflicting_figures()
                    .map(|(_, f)| f)
                    .chain(entry.price_usd)
                    .max();
                if entry.price_usd.is_some() {
                    assert_eq!(Some(r.lines[0].unit_price_usd), highest, "{}", entry.id);
                }
            }
        }
    }
}

#[test]
fn the_builtin_file_round_trips_through_the_loader() {
    let c = Catalog::from_json(BUILTIN_JSON).unwrap();
    let again = serde_json::to_string(c.file()).unwrap();
    let c2 = Catalog::from_json(&again).unwrap();
    assert_eq!(c.entries(), c2.entries());
}
