//! `spend_report` and `reconcile_charges` against a local PiAPI serving a generated account
//! (`piapi_billing_tests::account`): 500 tasks whose charges come from the catalog itself, two
//! rows of which PiAPI "really" charges a quarter more.
//!
//! Proven here: the reconciliation finds exactly the two drifted rows with their real prices
//! and its overlay clears them; the spend totals equal the mock's charges to the point in every
//! grouping; a failing history page, a missing task view, an unknown model and usages of
//! unexpected shapes are reported with a reason; the MCP tools send progress and the chart,
//! which headless Chromium renders (screenshot in `tests/artifacts/`); and a canary key
//! reaches no result, progress message, chart, table or log.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use piapi_billing::ops::window::utc_date;
use piapi_billing::{
    Billing, GroupBy, ReconcileArgs, ReconcileReport, SpendReport, SpendReportArgs,
};
use piapi_billing_mcp::account::{self, no_progress};
use piapi_billing_mcp::clock::now_unix;
use piapi_billing_mcp::piapi_client::{PiapiClient, PiapiConfig, SecretKey};
use piapi_billing_mcp::stdio::StdioTransport;
use piapi_billing_mcp::{AppState, BillingServer};
use piapi_billing_tests::account::{Account, Kind, Task, generate};
use rmcp::ServiceExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use support::logs::{log_text, logs};
use support::mock_piapi::{Behaviour, History, MockPiapi};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const CANARY: &str = "sk-canary-5be1e0c2-DO-NOT-LEAK";
const TASKS: usize = 500;
const SPAN: i64 = 6 * 86_400;

fn account() -> Account {
    generate(&Billing::new(), TASKS, now_unix(), SPAN)
}

fn history(acc: &Account) -> History {
    History {
        items: acc.history_items(),
        views: acc.task_views().into_iter().collect(),
    }
}

fn client(mock: &MockPiapi) -> PiapiClient {
    logs();
    let config = PiapiConfig::new(&mock.base_url(), SecretKey::new(CANARY))
        .unwrap()
        .with_retries(1, Duration::from_millis(5));
    PiapiClient::new(config).unwrap()
}

fn reconcile_args() -> ReconcileArgs {
    ReconcileArgs {
        since: Some("8d".into()),
        ..ReconcileArgs::default()
    }
}

fn spend_args(by: GroupBy) -> SpendReportArgs {
    SpendReportArgs {
        since: Some("8d".into()),
        until: None,
        group_by: Some(by),
    }
}

/// `spend_report` over the mock's history since 8 days ago, grouped `by`, without a ledger.
async fn spend(mock: &MockPiapi, by: GroupBy) -> Result<SpendReport, String> {
    account::spend(
        &client(mock),
        &spend_args(by),
        now_unix(),
        no_progress(),
        None,
    )
    .await
}

/// `reconcile_charges` over the mock's history since 8 days ago, priced by `billing`.
async fn reconcile(mock: &MockPiapi, billing: &Billing) -> Result<ReconcileReport, String> {
    account::reconcile(
        &client(mock),
        billing,
        &reconcile_args(),
        now_unix(),
        no_progress(),
    )
    .await
}

/// Whether the spend totals count a task: finished, with a usage the report can read.
fn counted(t: &Task) -> bool {
    t.finished() && t.kind != Kind::OddUsage
}

/// The points of the counted tasks, less those of `left_out`.
fn counted_points(acc: &Account, left_out: &[&str]) -> u64 {
    acc.tasks
        .iter()
        .filter(|t| counted(t) && !left_out.contains(&t.task_id.as_str()))
        .map(|t| t.points)
        .sum()
}

fn ids_of(acc: &Account, kind: Kind) -> Vec<String> {
    acc.tasks
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| t.task_id.clone())
        .collect()
}

/// The reason a task was skipped for, if it was.
fn reason_for<'a>(skipped: &'a [piapi_billing::SkippedTask], id: &str) -> Option<&'a str> {
    skipped
        .iter()
        .find(|s| s.task_id.as_deref() == Some(id))
        .map(|s| s.reason.as_str())
}

#[tokio::test]
async fn reconcile_finds_exactly_the_drifted_rows_and_its_overlay_clears_them() {
    let acc = account();
    let models: std::collections::BTreeSet<&str> =
        acc.tasks.iter().map(|t| t.model.as_str()).collect();
    assert!(
        models.len() >= 9,
        "at least 8 catalog models and the unknown one: {models:?}"
    );
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc))).await;
    let billing = Billing::new();
    let report = reconcile(&mock, &billing).await.expect("a report");

    let drifted: BTreeMap<String, Decimal> = acc.drifted.iter().cloned().collect();
    let outside: BTreeMap<String, Decimal> = report
        .rows
        .iter()
        .filter(|r| r.outside > 0)
        .map(|r| {
            (
                r.entry_id.to_string(),
                r.implied_unit_price_usd.expect("an implied price").0,
            )
        })
        .collect();
    assert_eq!(
        outside, drifted,
        "exactly the drifted rows, at their real prices"
    );
    for row in report.rows.iter().filter(|r| r.outside > 0) {
        assert_eq!(
            row.outside, row.tasks,
            "every task of a drifted row is outside: {row:?}"
        );
    }
    let overlay = report.overlay.clone().expect("an overlay");
    assert!(overlay.name.starts_with("reconciled-"), "{}", overlay.name);
    let patched: BTreeMap<String, Decimal> = overlay
        .entries
        .iter()
        .map(|p| (p.id.to_string(), p.price_usd.flatten().expect("a price").0))
        .collect();
    assert_eq!(patched, drifted);

    let charged = acc.tasks.iter().filter(|t| t.kind == Kind::Charged).count();
    let unknown = ids_of(&acc, Kind::UnknownModel);
    assert_eq!(report.tasks_checked as usize, charged + unknown.len());
    assert_eq!(
        report.rows.iter().map(|r| r.tasks).sum::<u64>() as usize,
        charged
    );
    let [service] = &report.unmatched[..] else {
        panic!("one unmatched service: {:?}", report.unmatched)
    };
    assert_eq!(
        (service.model.as_str(), service.tasks as usize),
        ("no-such-model", unknown.len())
    );
    assert!(
        service.reason.contains("no-such-model"),
        "{}",
        service.reason
    );
    assert_skips(&acc, &report.tasks_skipped);

    // The overlay, written as JSON and loaded as --price-overlay loads it, clears the drift.
    let text = serde_json::to_string_pretty(&overlay).unwrap();
    let corrected = Billing::with_catalog(billing.catalog().with_overlay(&text).expect("loads"));
    let again = reconcile(&mock, &corrected).await.unwrap();
    assert!(
        again.rows.iter().all(|r| r.outside == 0),
        "{:?}",
        again.rows.iter().find(|r| r.outside > 0)
    );
    assert!(again.overlay.is_none());
    assert_eq!(
        again.catalog_overlay.as_deref(),
        Some(overlay.name.as_str())
    );
}

/// Every task that could not be compared is skipped, each with its own reason.
fn assert_skips(acc: &Account, skipped: &[piapi_billing::SkippedTask]) {
    for (kind, says) in [
        (Kind::NoView, "404"),
        (Kind::OddView, "consume"),
        (Kind::OddUsage, "usage"),
        (Kind::Failed, "status failed"),
        (Kind::Running, "status processing"),
    ] {
        let ids = ids_of(acc, kind);
        assert!(!ids.is_empty(), "the account has {kind:?} tasks");
        for id in ids {
            let reason = reason_for(skipped, &id)
                .unwrap_or_else(|| panic!("{kind:?} task {id} not skipped"));
            assert!(reason.contains(says), "{kind:?}: {reason}");
        }
    }
}

#[tokio::test]
async fn spend_totals_equal_the_mock_charges_in_every_grouping() {
    let acc = account();
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc))).await;
    let expected_total = counted_points(&acc, &[]);
    let frozen: u64 = acc
        .tasks
        .iter()
        .filter(|t| !t.finished())
        .map(|t| t.points)
        .sum();
    let mut by_model: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_day: BTreeMap<String, u64> = BTreeMap::new();
    for t in acc.tasks.iter().filter(|t| counted(t)) {
        *by_model.entry(t.model.clone()).or_default() += t.points;
        *by_day.entry(utc_date(t.created_at)).or_default() += t.points;
    }
    for by in [
        GroupBy::Day,
        GroupBy::Model,
        GroupBy::TaskType,
        GroupBy::ServiceMode,
    ] {
        let r = spend(&mock, by).await.unwrap();
        assert_eq!(r.total_points, expected_total, "{by:?}");
        assert_eq!(
            r.total_usd.0 * Decimal::from(10_000_000u64),
            Decimal::from(expected_total)
        );
        assert_eq!(r.frozen_points, frozen);
        assert_eq!(
            r.groups.iter().map(|g| g.points).sum::<u64>(),
            expected_total,
            "{by:?}"
        );
        assert_eq!(r.groups.iter().map(|g| g.tasks).sum::<u64>(), r.tasks);
        let got: BTreeMap<String, u64> =
            r.groups.iter().map(|g| (g.key.clone(), g.points)).collect();
        match by {
            GroupBy::Model => assert_eq!(got, by_model),
            GroupBy::Day => assert_eq!(got, by_day),
            _ => {}
        }
        for id in ids_of(&acc, Kind::OddUsage) {
            assert!(reason_for(&r.skipped, &id).is_some_and(|why| why.contains("usage")));
        }
        assert!(!r.truncated);
        assert_eq!(r.top_tasks.len(), 10);
    }
}

#[tokio::test]
async fn a_history_without_totals_is_read_page_after_page() {
    let acc = account();
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc)).omit_total()).await;
    let expected = counted_points(&acc, &[]);
    let r = spend(&mock, GroupBy::Day).await.unwrap();
    assert_eq!(r.total_points, expected);
    assert!(!r.truncated);
    let pages = mock
        .requests()
        .iter()
        .filter(|q| q.uri.contains("histories"))
        .count();
    // Until a short page: 500 tasks fill five pages, so an empty sixth says the end.
    assert_eq!(pages, TASKS / 100 + 1, "pages until a short one");
}

#[tokio::test]
async fn a_failing_history_page_is_reported_and_left_out_of_the_totals() {
    let acc = account();
    let items = acc.history_items();
    let mock = MockPiapi::start(
        Behaviour::new(CANARY)
            .history(history(&acc))
            .failing_page(3),
    )
    .await;
    let lost: Vec<&str> = items[200..300]
        .iter()
        .map(|i| i["task_id"].as_str().unwrap())
        .collect();
    let expected = counted_points(&acc, &lost);
    let r = spend(&mock, GroupBy::Model).await.unwrap();
    assert_eq!(r.total_points, expected);
    let page = r
        .skipped
        .iter()
        .find(|s| s.task_id.is_none())
        .expect("the page is reported");
    assert!(
        page.reason.contains("history page 3") && page.reason.contains("HTTP 500"),
        "{}",
        page.reason
    );

    let r = reconcile(&mock, &Billing::new()).await.unwrap();
    assert!(
        r.tasks_skipped
            .iter()
            .any(|s| s.task_id.is_none() && s.reason.contains("history page 3"))
    );
    assert!(r.rows.iter().all(|row| row.tasks > 0));

    // Without the first page nothing is known: that is the call's error, not an empty report.
    let mock = MockPiapi::start(
        Behaviour::new(CANARY)
            .history(history(&acc))
            .failing_page(1),
    )
    .await;
    let err = spend(&mock, GroupBy::Day).await.unwrap_err();
    assert!(err.contains("task history") && err.contains("500"), "{err}");
}

#[tokio::test]
async fn bad_arguments_name_the_field() {
    let mock = MockPiapi::start(Behaviour::new(CANARY)).await;
    let args = SpendReportArgs {
        since: Some("last week".into()),
        ..SpendReportArgs::default()
    };
    let err = account::spend(&client(&mock), &args, now_unix(), no_progress(), None)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("since: ") && err.contains("\"7d\""),
        "{err}"
    );
    let args = ReconcileArgs {
        max_tasks: Some(0),
        ..ReconcileArgs::default()
    };
    let err = account::reconcile(
        &client(&mock),
        &Billing::new(),
        &args,
        now_unix(),
        no_progress(),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("max_tasks: must be 1 to 5000"), "{err}");
    assert_eq!(
        mock.request_count(),
        0,
        "nothing is fetched for bad arguments"
    );
}

/// An MCP session with the server in this process, over a byte pipe, speaking raw JSON-RPC.
struct Session {
    input: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    output: BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
    /// Every line the server wrote.
    lines: Vec<String>,
}

impl Session {
    async fn start(client: PiapiClient) -> Session {
        let server = BillingServer::new(AppState::new(Billing::new(), Some(client)));
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(theirs);
        tokio::spawn(async move {
            if let Ok(running) = server
                .serve(StdioTransport::new(server_in, server_out))
                .await
            {
                let _ = running.waiting().await;
            }
        });
        let (output, input) = tokio::io::split(ours);
        let mut s = Session {
            input,
            output: BufReader::new(output),
            lines: Vec::new(),
        };
        s.request(
            0,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "account-reports-test", "version": "1"}}),
        )
        .await;
        s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        s
    }

    async fn send(&mut self, message: Value) {
        let mut line = message.to_string().into_bytes();
        line.push(b'\n');
        self.input.write_all(&line).await.unwrap();
    }

    /// Sends a request and reads until its reply; notifications before it are kept in `lines`.
    async fn request(&mut self, id: i64, method: &str, params: Value) -> (Value, Vec<Value>) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        let mut notes = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(60), self.output.read_line(&mut line))
                .await
                .expect("a reply in time")
                .unwrap();
            assert!(n > 0, "the server closed the pipe");
            self.lines.push(line.clone());
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                return (message, notes);
            }
            notes.push(message);
        }
    }

    async fn call(&mut self, id: i64, tool: &str, arguments: Value) -> (Value, Vec<Value>) {
        let params = json!({"name": tool, "arguments": arguments, "_meta": {"progressToken": id}});
        let (reply, notes) = self.request(id, "tools/call", params).await;
        assert_eq!(reply["result"]["isError"], json!(false), "{reply}");
        (reply["result"].clone(), notes)
    }
}

/// Progress notifications rise, carry counts only, and all come before the reply.
fn check_progress(notes: &[Value], at_least: usize) {
    let steps: Vec<f64> = notes
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .map(|n| n["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(
        steps.len() >= at_least,
        "{} progress notifications",
        steps.len()
    );
    assert!(
        steps.windows(2).all(|w| w[0] < w[1]),
        "progress rises: {steps:?}"
    );
}

#[tokio::test]
async fn over_mcp_the_tools_send_progress_and_the_chart_renders_in_chromium() {
    let acc = account();
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc))).await;
    let mut session = Session::start(client(&mock)).await;
    let (result, notes) = session
        .call(
            1,
            "spend_report",
            json!({"since": "8d", "group_by": "model"}),
        )
        .await;
    check_progress(&notes, 5);
    assert!(result["structuredContent"]["total_usd"].is_string());
    let image = result["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "image")
        .expect("an image");
    assert_eq!(image["mimeType"], "image/svg+xml");
    let svg = base64::engine::general_purpose::STANDARD
        .decode(image["data"].as_str().unwrap())
        .unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<rect"),
        "{}",
        &svg[..80.min(svg.len())]
    );
    screenshot(&svg);

    let (result, notes) = session
        .call(2, "reconcile_charges", json!({"since": "8d"}))
        .await;
    let checked = result["structuredContent"]["tasks_checked"]
        .as_u64()
        .unwrap();
    check_progress(&notes, 5 + checked as usize);
    assert_eq!(
        result["structuredContent"]["overlay"]["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// Headless Chromium opens the SVG and takes a screenshot (kept in `tests/artifacts/`).
fn screenshot(svg: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let (svg_path, png_path) = (dir.join("spend-chart.svg"), dir.join("spend-chart.png"));
    std::fs::write(&svg_path, svg).unwrap();
    let _ = std::fs::remove_file(&png_path);
    if std::env::var("SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("SKIP_BROWSER=1: the chart is not rendered");
        return;
    }
    let status = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=960,540",
        ])
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!(
            "file://{}",
            svg_path.canonicalize().unwrap().display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("chromium runs (scripts/setup-wasm.sh installs it; SKIP_BROWSER=1 skips this)");
    assert!(status.success(), "chromium: {status}");
    let png = std::fs::read(&png_path).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

#[tokio::test]
async fn the_key_reaches_no_result_progress_chart_table_or_log() {
    let mut acc = account();
    // Text PiAPI sends back that happens to hold the key: a model name, a status, a usage.
    for t in acc
        .tasks
        .iter_mut()
        .filter(|t| t.kind == Kind::UnknownModel)
    {
        t.model = format!("model-{CANARY}");
    }
    let mut history = history(&acc);
    let odd = ids_of(&acc, Kind::OddView);
    history.views.get_mut(&odd[0]).unwrap()["meta"]["usage"]["consume"] = json!(CANARY);
    history.items[1]["status"] = json!(CANARY);
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history)).await;

    let mut session = Session::start(client(&mock)).await;
    let (spend, _) = session
        .call(
            1,
            "spend_report",
            json!({"since": "8d", "group_by": "model"}),
        )
        .await;
    let (reconcile, _) = session
        .call(2, "reconcile_charges", json!({"since": "8d"}))
        .await;
    let model = &reconcile["structuredContent"]["unmatched"][0]["model"];
    assert_eq!(model, "model-***", "the scrubbed name is reported");
    let image = spend["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "image")
        .unwrap();
    let svg = base64::engine::general_purpose::STANDARD
        .decode(image["data"].as_str().unwrap())
        .unwrap();

    let svg_file = std::env::temp_dir().join(format!("spend-{}.svg", std::process::id()));
    let table = piapi_billing_mcp::cli_reports::spend(
        &client(&mock),
        piapi_billing_mcp::cli_reports::SpendCommand {
            since: "8d",
            until: None,
            by: Some("model"),
            svg: Some(&svg_file),
            json: false,
            ledger: None,
        },
    )
    .await
    .unwrap();
    let svg_written = std::fs::read_to_string(&svg_file).unwrap();
    let _ = std::fs::remove_file(&svg_file);
    assert!(table.contains("model-***"), "{table}");

    let everything = [
        session.lines.join(""),
        String::from_utf8(svg).unwrap(),
        svg_written,
        table,
        log_text(),
    ];
    for (what, text) in ["MCP lines", "chart", "CLI chart", "CLI table", "logs"]
        .iter()
        .zip(everything)
    {
        assert!(!text.contains(CANARY), "the key leaked into the {what}");
        assert!(
            !text.contains("sk-canary-5be1"),
            "a prefix of the key leaked into the {what}"
        );
    }
    for r in mock.requests() {
        let elsewhere = r.uri.contains(CANARY)
            || r.headers
                .iter()
                .any(|(n, v)| n != "x-api-key" && v.contains(CANARY));
        assert!(!elsewhere, "the key was sent outside x-api-key: {r:?}");
    }
}

/// The binary with only the given environment of ours.
fn cli(args: &[&str], mock: &MockPiapi) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_piapi-billing-mcp"));
    for var in [
        "PIAPI_BILLING_CATALOG",
        "PIAPI_BILLING_OVERLAY",
        "PIAPI_TIMEOUT_MS",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PIAPI_API_KEY", CANARY)
        .env("PIAPI_BASE_URL", mock.base_url())
        .env("PIAPI_BILLING_LEDGER", "off")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_tables_json_the_chart_and_an_overlay_that_clears_the_drift() {
    let acc = account();
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc))).await;
    let dir = std::env::temp_dir().join(format!("account-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg, overlay) = (dir.join("spend.svg"), dir.join("overlay.json"));
    let (svg_arg, overlay_arg) = (svg.to_str().unwrap(), overlay.to_str().unwrap());

    let table = stdout(&cli(
        &["spend", "--since", "8d", "--by", "model", "--svg", svg_arg],
        &mock,
    ));
    assert!(
        table.starts_with("Spend from ") && table.contains("Most expensive tasks:"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("model ") && l.contains("tasks") && l.contains("usd")),
        "{table}"
    );
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let json: Value =
        serde_json::from_str(&stdout(&cli(&["spend", "--since", "8d", "--json"], &mock))).unwrap();
    let expected = counted_points(&acc, &[]);
    assert_eq!(json["total_points"], json!(expected));

    let out = cli(
        &["reconcile", "--since", "8d", "--write-overlay", overlay_arg],
        &mock,
    );
    assert!(
        out.stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = stdout(&out);
    assert!(
        table.contains(": 2 of ") && table.contains("Overlay written to"),
        "{table}"
    );
    for (id, _) in &acc.drifted {
        assert!(
            table.lines().any(|l| l.starts_with(id.as_str())),
            "{id} in {table}"
        );
    }
    let again = cli(
        &[
            "--price-overlay",
            overlay_arg,
            "reconcile",
            "--since",
            "8d",
            "--write-overlay",
            overlay_arg,
        ],
        &mock,
    );
    let table = stdout(&again);
    assert!(
        table.contains(": 0 of ") && table.contains("Nothing drifted"),
        "{table}"
    );

    let bad = cli(&["spend", "--by", "colour"], &mock);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("group_by") && err.contains("service_mode"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `group_by: "key"` names, for each finished task, the gateway key the ledger recorded it
/// under; the others are one group, and the groups still add up to the total.
#[tokio::test]
async fn spend_by_key_reads_the_gateway_tasks_from_the_ledger() {
    use piapi_billing::ledger::{Command, HoldId, TaskId, TaskOpen};
    use piapi_billing::money::Usd;
    use piapi_billing_mcp::clock::ledger_now;
    use piapi_billing_mcp::gateway::admin::{CreateKeyArgs, create_key};
    use piapi_billing_mcp::ledger::{LedgerLocation, LedgerService};

    let acc = account();
    let mock = MockPiapi::start(Behaviour::new(CANARY).history(history(&acc))).await;
    let dir = std::env::temp_dir().join(format!("spend-by-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ledger = LedgerService::open(&LedgerLocation::file(dir.join("ledger.log")))
        .await
        .unwrap();
    let created = create_key(
        &ledger,
        serde_json::from_value::<CreateKeyArgs>(json!({"key_id": "team-a", "budget_usd": "1000"}))
            .unwrap(),
    )
    .await
    .unwrap();
    let spec = ledger
        .gateway()
        .keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.spec.key_id.to_string() == created.key.key_id)
        .unwrap()
        .spec;
    // Every third finished, counted task went through the gateway on this key.
    let through: Vec<&piapi_billing_tests::account::Task> = acc
        .tasks
        .iter()
        .filter(|t| t.finished() && t.kind != Kind::OddUsage)
        .step_by(3)
        .collect();
    for (i, task) in through.iter().enumerate() {
        let hold_id = HoldId::new(format!("gw-{i}")).unwrap();
        let reserve = Command::ReserveTask {
            hold_id: hold_id.clone(),
            account: spec.window_account(ledger_now()),
            amount: Usd(Decimal::new(1, 2)),
            ttl_ms: 3_600_000,
            task: TaskOpen {
                key_id: spec.key_id.clone(),
                model: task.model.clone(),
                task_type: task.task_type.clone(),
                quote: "{}".into(),
            },
        };
        ledger.submit(reserve).await.unwrap();
        let task_id = TaskId::new(task.task_id.clone()).unwrap();
        ledger
            .submit(Command::AttachTask { hold_id, task_id })
            .await
            .unwrap();
    }

    let args = spend_args(GroupBy::Key);
    let r = account::spend(
        &client(&mock),
        &args,
        now_unix(),
        no_progress(),
        Some(&ledger),
    )
    .await
    .unwrap();
    let team: u64 = through.iter().map(|t| t.points).sum();
    let got: BTreeMap<&str, (u64, u64)> = r
        .groups
        .iter()
        .map(|g| (g.key.as_str(), (g.tasks, g.points)))
        .collect();
    assert_eq!(got["team-a"], (through.len() as u64, team), "{got:?}");
    assert_eq!(
        got[piapi_billing::ops::spend::NOT_THROUGH_THE_GATEWAY].1,
        r.total_points - team
    );
    assert_eq!(got.len(), 2, "{got:?}");

    let err = account::spend(&client(&mock), &args, now_unix(), no_progress(), None)
        .await
        .unwrap_err();
    assert!(
        err.starts_with("group_by: \"key\" needs the ledger"),
        "{err}"
    );
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
}
