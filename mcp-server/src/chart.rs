//! The spend chart: USD per UTC day, stacked by model, as SVG.
//!
//! Drawn with `plotters` and its SVG backend only (no font or bitmap features: the SVG names
//! a generic `sans-serif` font and the viewer lays the text out). Bar heights are the one place
//! money becomes a float, and only to place pixels: every figure a reader sees as a number
//! comes from the report's exact decimals.

use piapi_billing::SpendReport;
use plotters::prelude::*;

const SIZE: (u32, u32) = (960, 540);
/// Models beyond this many share one "other models" colour, so the legend stays readable.
const MAX_MODELS: usize = 8;

/// The chart of `report` as an SVG document.
pub fn spend_svg(report: &SpendReport) -> Result<String, String> {
    let mut svg = String::new();
    draw(report, &mut svg).map_err(|e| format!("cannot draw the spend chart: {e}"))?;
    Ok(svg)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(report: &SpendReport, svg: &mut String) -> DrawResult {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let models = models(report);
    let stacks = stacks(report, &models);
    let top = stacks
        .iter()
        .filter_map(|s| s.last().map(|(_, hi)| *hi))
        .fold(0.0_f64, f64::max);
    let n = stacks.len().max(1) as f64;
    let caption = format!(
        "PiAPI spend per day (USD), {} to {}: total ${}",
        &report.since[..10],
        &report.until[..10],
        report.total_usd
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..(top * 1.1).max(0.01))?;
    let days: Vec<&str> = report.daily.iter().map(|d| &d.day[5..]).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(days.len().min(16))
        .x_label_formatter(&|x| label_for(&days, *x))
        .y_desc("USD")
        .y_label_formatter(&|y| format!("{y:.2}"))
        .draw()?;
    for (m, model) in models.iter().enumerate() {
        let colour = Palette99::pick(m).to_rgba();
        let bars = stacks.iter().enumerate().filter_map(move |(d, stack)| {
            let &(lo, hi) = stack.get(m)?;
            (hi > lo).then(|| {
                Rectangle::new(
                    [(d as f64 - 0.38, lo), (d as f64 + 0.38, hi)],
                    colour.filled(),
                )
            })
        });
        chart
            .draw_series(bars)?
            .label(model.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
    }
    if !models.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The day under a tick, when the tick sits on a bar.
fn label_for(days: &[&str], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    days.get(i as usize)
        .map(|d| (*d).to_owned())
        .unwrap_or_default()
}

/// Models by spend, largest first; past [`MAX_MODELS`] the rest are "other models".
fn models(report: &SpendReport) -> Vec<String> {
    let mut totals: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for day in &report.daily {
        for (model, points) in &day.by_model {
            *totals.entry(model).or_default() += points;
        }
    }
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().filter(|(_, p)| *p > 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut models: Vec<String> = ranked
        .iter()
        .take(MAX_MODELS)
        .map(|(m, _)| (*m).to_owned())
        .collect();
    if ranked.len() > MAX_MODELS {
        models.push("other models".to_owned());
    }
    models
}

/// Per day, each model's bar segment as (bottom, top) in USD.
fn stacks(report: &SpendReport, models: &[String]) -> Vec<Vec<(f64, f64)>> {
    report
        .daily
        .iter()
        .map(|day| {
            let mut base = 0.0;
            models
                .iter()
                .enumerate()
                .map(|(m, model)| {
                    let points: u64 = day
                        .by_model
                        .iter()
                        .filter(
                            |(name, _)| match models.len() > MAX_MODELS && m == MAX_MODELS {
                                true => !models[..MAX_MODELS].contains(name),
                                false => name == model,
                            },
                        )
                        .map(|(_, p)| *p)
                        .sum();
                    let segment = (base, base + points as f64 / 1e7);
                    base = segment.1;
                    segment
                })
                .collect()
        })
        .collect()
}
