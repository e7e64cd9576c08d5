//! How long `reconcile_charges` takes for 500 tasks against the local mock PiAPI
//! (`tests/support/mock_piapi.rs`) serving a generated account (`piapi_billing_tests::account`):
//! 5 history pages and 500 task views over loopback HTTP, 4 requests in flight, then the
//! core's comparison. Also times the core alone (the same views, no HTTP) and `spend_report`.
//!
//! `cargo run --release -p piapi-billing-mcp --example reconcile_bench [-- RUNS]`

#[path = "../tests/support/mock_piapi.rs"]
mod mock_piapi;

use std::time::{Duration, Instant};

use mock_piapi::{Behaviour, History, MockPiapi};
use piapi_billing::ops::spend::HistoryRead;
use piapi_billing::ops::window::Window;
use piapi_billing::piapi::charges::{reconcile_views, select};
use piapi_billing::{Billing, GroupBy, ReconcileArgs, SpendReportArgs};
use piapi_billing_mcp::account::{self, fetch_views, no_progress, read_history};
use piapi_billing_mcp::clock::now_unix;
use piapi_billing_mcp::piapi_client::{PiapiClient, PiapiConfig, SecretKey};

const KEY: &str = "sk-bench";

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let billing = Billing::new();
    let now = now_unix();
    let acc = piapi_billing_tests::account::generate(&billing, 500, now, 6 * 86_400);
    let history = History {
        items: acc.history_items(),
        views: acc.task_views().into_iter().collect(),
    };
    let mock = MockPiapi::start(Behaviour::new(KEY).history(history)).await;
    let client =
        PiapiClient::new(PiapiConfig::new(&mock.base_url(), SecretKey::new(KEY)).unwrap()).unwrap();
    let args = ReconcileArgs {
        since: Some("8d".into()),
        ..ReconcileArgs::default()
    };

    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..runs {
        let started = Instant::now();
        report = Some(
            account::reconcile(&client, &billing, &args, now, no_progress())
                .await
                .unwrap(),
        );
        times.push(started.elapsed());
    }
    let report = report.expect("at least one run");
    let drifted: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.outside > 0)
        .map(|r| {
            format!(
                "{} at {}",
                r.entry_id,
                r.implied_unit_price_usd
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    println!(
        "reconcile_charges, 500 tasks ({} checked, {} rows, {} skipped, {} requests per run): median {:?}, min {:?} over {runs} runs",
        report.tasks_checked,
        report.rows.len(),
        report.tasks_skipped.len(),
        mock.request_count() / runs,
        median(&mut times),
        times.iter().min().unwrap()
    );
    println!(
        "  drifted rows found: {drifted:?}; generated: {:?}",
        acc.drifted
    );

    // The core's share: the same history and views, compared again without HTTP.
    let window = Window::resolve(Some("8d"), None, now).unwrap();
    let read: HistoryRead = read_history(&client, window, &no_progress()).await.unwrap();
    let selection = select(&read, window, 500);
    let views = fetch_views(&client, selection.fetch.clone(), &no_progress()).await;
    let mut core = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let r = reconcile_views(billing.catalog(), window, selection.clone(), views.clone());
        core.push(started.elapsed());
        assert_eq!(r.tasks_checked, report.tasks_checked);
    }
    println!(
        "  the core alone (compare + aggregate): median {:?}",
        median(&mut core)
    );

    let spend_args = SpendReportArgs {
        since: Some("8d".into()),
        until: None,
        group_by: Some(GroupBy::Model),
    };
    let mut spend = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        account::spend(&client, &spend_args, now, no_progress(), None)
            .await
            .unwrap();
        spend.push(started.elapsed());
    }
    println!(
        "spend_report, 500 tasks (5 history pages): median {:?}",
        median(&mut spend)
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
