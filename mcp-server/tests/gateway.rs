//! The budget gateway as separate OS processes in front of the mock PiAPI: many clients on
//! two gateways never overspend a key (PostgreSQL and the embedded file), a gateway killed
//! mid-task loses no hold, keys cannot see each other's tasks, the real key never leaks, and
//! budget windows roll over at their reset time on both stores.

mod common;
mod ledger_common;
mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Captured;
use piapi_billing::ledger::{
    Command, HoldState, KeyId, KeySpec, LedgerError, Outcome, Period, TaskOpen, Timestamp,
};
use piapi_billing::money::Usd;
use piapi_billing_mcp::ledger::{AnyStore, LedgerLocation, LedgerStore, TaskRecord};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use support::mock_piapi::{Behaviour, MockPiapi};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const REAL_KEY: &str = "pk-real-canary-7f3e9b1c2d4a";
/// What the mock charges per completed task: $0.20 (the hold is $0.26).
const CONSUME_POINTS: u64 = 2_000_000;

fn usd(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn kling(prompt: &str) -> Value {
    json!({"model": "kling", "task_type": "video_generation",
           "input": {"prompt": prompt, "version": "2.1", "mode": "std", "duration": 5}})
}

struct GatewayProc {
    child: Child,
    base: String,
    stderr: Captured,
}

async fn start_gateway(ledger: &str, mock: &str, poll_ms: u64) -> GatewayProc {
    let poll = poll_ms.to_string();
    let mut cmd = common::command(&[
        ("PIAPI_API_KEY", REAL_KEY),
        ("PIAPI_BASE_URL", mock),
        ("RUST_LOG", "info"),
    ]);
    cmd.args(["--ledger", ledger, "gateway", "--listen", "127.0.0.1:0"])
        .args(["--poll-interval-ms", &poll])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn the gateway");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let base = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            seen.push_str(&line);
            seen.push('\n');
            if let Some(rest) = line.split("gateway listening on ").nth(1) {
                return rest.trim().to_owned();
            }
        }
        panic!("gateway exited before listening:\n{seen}");
    })
    .await
    .expect("gateway announced its address");
    let stderr = Captured::default();
    stderr.push(&seen);
    stderr.spawn_reader(lines.into_inner().into_inner());
    GatewayProc {
        child,
        base,
        stderr,
    }
}

/// `keys create` through the binary; the secret.
fn create_key(ledger: &str, id: &str, extra: &[&str]) -> String {
    let out = std::process::Command::new(common::BIN)
        .args(["--ledger", ledger, "keys", "create", id])
        .args(extra)
        .env_remove("PIAPI_API_KEY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["key"].get("secret_sha256").is_none(),
        "the hash is not shown"
    );
    v["secret"].as_str().unwrap().to_owned()
}

/// Everything a client saw, to check that the real key is in none of it.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<String>>);

impl Seen {
    fn add(&self, status: u16, headers: &reqwest::header::HeaderMap, body: &str) {
        let mut s = self.0.lock().unwrap();
        s.push_str(&format!("{status} {headers:?} {body}\n"));
    }
    fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

async fn send(
    http: &reqwest::Client,
    seen: &Seen,
    req: reqwest::RequestBuilder,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let _ = http;
    let r = req.send().await.expect("gateway answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    seen.add(status, &headers, &text);
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn open_store(url: &str) -> AnyStore {
    LedgerLocation::parse(url).unwrap().open().await.unwrap()
}

/// The key's window account: settled charges plus open holds, and the task records.
async fn key_totals(store: &AnyStore, key: &str) -> (Decimal, Decimal, Vec<TaskRecord>) {
    let key = KeyId::new(key).unwrap();
    let accounts = store.gateway().key_accounts(&key).await.unwrap();
    let posted = accounts.iter().map(|a| a.posted_usd.0).sum();
    let pending = accounts.iter().map(|a| a.pending_usd.0).sum();
    (
        posted,
        pending,
        store.gateway().open_tasks(10_000).await.unwrap(),
    )
}

/// 50 clients, alternating between two gateway processes, each trying 4 tasks on one $10
/// key; a monitor samples the ledger throughout.
async fn fifty_clients_two_gateways(ledger: &str) {
    let mock = MockPiapi::start(Behaviour::new(REAL_KEY).creates_tasks(CONSUME_POINTS, 1)).await;
    let secret = create_key(
        ledger,
        "team",
        &["--budget", "10", "--allow-model", "kling"],
    );
    let gateways = [
        start_gateway(ledger, &mock.base_url(), 150).await,
        start_gateway(ledger, &mock.base_url(), 150).await,
    ];
    let bases: Vec<String> = gateways.iter().map(|g| g.base.clone()).collect();
    let store = open_store(ledger).await;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let monitor = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let mut samples = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let (posted, pending, _) = key_totals(&store, "team").await;
                assert!(posted + pending <= usd("10"), "{posted} + {pending} > 10");
                samples += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            samples
        })
    };
    let http = common::http_client();
    let seen = Seen::default();
    let mut clients = Vec::new();
    for c in 0..50 {
        let (http, seen, secret) = (http.clone(), seen.clone(), secret.clone());
        let base = bases[c % 2].clone();
        clients.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for t in 0..4 {
                let req = http
                    .post(format!("{base}/api/v1/task"))
                    .header("x-api-key", &secret)
                    .json(&kling(&format!("client {c} task {t}")));
                let (status, headers, body) = send(&http, &seen, req).await;
                if status == 402 {
                    let reason = body["reason"].as_str().unwrap_or("").to_owned();
                    assert_eq!(reason, "budget_exceeded", "{body}");
                    assert!(body["shortfall_usd"].is_string(), "{body}");
                    if body["retry_after_seconds"].is_number() {
                        assert!(headers.get("retry-after").is_some());
                    }
                    outcomes.push(reason);
                    continue;
                }
                assert_eq!(status, 200, "{body}");
                let id = body["data"]["task_id"].as_str().unwrap().to_owned();
                // The client polls its task through the gateway until it completes.
                for _ in 0..50 {
                    let req = http
                        .get(format!("{base}/api/v1/task/{id}"))
                        .header("x-api-key", &secret);
                    let (s, _, view) = send(&http, &seen, req).await;
                    assert_eq!(s, 200, "{view}");
                    if view["data"]["status"] == "completed" {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                outcomes.push("created".into());
            }
            outcomes
        }));
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in clients {
        for o in c.await.expect("client") {
            *counts.entry(o).or_default() += 1;
        }
    }
    // Every task settles (clients polled them; the pollers catch the rest).
    let mut settled = false;
    for _ in 0..200 {
        let (_, pending, open) = key_totals(&store, "team").await;
        if pending.is_zero() && open.is_empty() {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let samples = monitor.await.expect("the monitor saw no overspend");
    assert!(settled, "holds still open at the end");
    let created = counts.get("created").copied().unwrap_or(0);
    assert_eq!(created, mock.created_count(), "{counts:?}");
    assert!(
        counts.get("budget_exceeded").copied().unwrap_or(0) > 0,
        "{counts:?}"
    );
    assert!(
        created >= 38,
        "a $10 budget holds at least 38 tasks of $0.26: {counts:?}"
    );
    // Nothing settled twice: each task's hold charged once, $0.20 each.
    let (posted, pending, _) = key_totals(&store, "team").await;
    assert_eq!(posted, usd("0.2") * Decimal::from(created));
    assert!(pending.is_zero());
    assert!(posted <= usd("10"));
    for id in mock.task_ids() {
        let record = store
            .gateway()
            .task_by_id(&piapi_billing::ledger::TaskId::new(id).unwrap())
            .await
            .unwrap()
            .expect("every created task has its hold");
        assert_eq!(record.hold.state, HoldState::Settled);
        assert_eq!(record.hold.charge.unwrap().amount, Usd(usd("0.2")));
    }
    // One read of them all (as a spend report by key does) finds the same tasks, and skips an
    // id the gateway never saw.
    let mut ids: Vec<piapi_billing::ledger::TaskId> = mock
        .task_ids()
        .into_iter()
        .map(|id| piapi_billing::ledger::TaskId::new(id).unwrap())
        .collect();
    let known = ids.len();
    ids.push(piapi_billing::ledger::TaskId::new("not-a-gateway-task").unwrap());
    let bulk = store.gateway().tasks_by_ids(&ids).await.unwrap();
    assert_eq!(bulk.len(), known);
    for r in &bulk {
        assert!(ids[..known].contains(r.task.task_id.as_ref().unwrap()));
        assert_eq!(r.hold.state, HoldState::Settled);
    }
    assert!(samples > 0);
    no_leak(&seen.text(), &gateways);
    // The gateway forwarded with the real key and never with a virtual one.
    for r in mock.requests() {
        assert_eq!(r.header("x-api-key"), Some(REAL_KEY));
    }
}

fn no_leak(seen: &str, gateways: &[GatewayProc]) {
    assert!(!seen.contains(REAL_KEY), "a response carried the real key");
    for g in gateways {
        let log = g.stderr.text();
        assert!(
            !log.contains(REAL_KEY),
            "the gateway logged the real key:\n{log}"
        );
    }
}

fn temp_ledger(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("gateway-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("file:{}/ledger.log", dir.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_on_two_gateways_never_overspend_a_key_on_postgres() {
    let Some(url) = ledger_common::fresh_pg_database().await else {
        return;
    };
    fifty_clients_two_gateways(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_on_two_gateways_never_overspend_a_key_on_the_embedded_file() {
    fifty_clients_two_gateways(&temp_ledger("race")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_mid_task_keeps_the_hold_and_a_restart_settles_it() {
    let ledger = temp_ledger("kill");
    // The task stays "processing" for a long time: the gateway dies while it runs.
    let mock =
        MockPiapi::start(Behaviour::new(REAL_KEY).creates_tasks(CONSUME_POINTS, 1_000)).await;
    let secret = create_key(&ledger, "solo", &["--budget", "5"]);
    let mut first = start_gateway(&ledger, &mock.base_url(), 0).await;
    let http = common::http_client();
    let r = http
        .post(format!("{}/api/v1/task", first.base))
        .header("x-api-key", &secret)
        .json(&kling("long one"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let task_id = body["data"]["task_id"].as_str().unwrap().to_owned();
    first.child.start_kill().unwrap(); // SIGKILL
    first.child.wait().await.unwrap();

    let store = open_store(&ledger).await;
    let id = piapi_billing::ledger::TaskId::new(&task_id).unwrap();
    let record = store
        .gateway()
        .task_by_id(&id)
        .await
        .unwrap()
        .expect("hold kept");
    assert_eq!(record.hold.state, HoldState::Pending);
    assert_eq!(record.hold.amount, Usd(usd("0.26")));

    // The task finishes while no gateway runs; a restarted one's poller settles it.
    mock.set_behaviour(Behaviour::new(REAL_KEY).creates_tasks(CONSUME_POINTS, 0));
    let second = start_gateway(&ledger, &mock.base_url(), 100).await;
    let mut state = HoldState::Pending;
    for _ in 0..100 {
        let r = store.gateway().task_by_id(&id).await.unwrap().unwrap();
        state = r.hold.state;
        if state != HoldState::Pending {
            assert_eq!(r.hold.charge.unwrap().amount, Usd(usd("0.2")));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, HoldState::Settled);
    no_leak("", &[first, second]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_see_only_their_tasks_refusals_carry_a_reason_and_the_real_key_never_leaks() {
    let ledger = temp_ledger("keys");
    let mock = MockPiapi::start(Behaviour::new(REAL_KEY).creates_tasks(CONSUME_POINTS, 0)).await;
    let a = create_key(
        &ledger,
        "alice",
        &[
            "--budget",
            "1",
            "--allow-model",
            "kling",
            "--soft-limit",
            "0.2",
        ],
    );
    let b = create_key(&ledger, "bob", &["--budget", "2", "--max-task", "0.1"]);
    let g = start_gateway(&ledger, &mock.base_url(), 0).await;
    let http = common::http_client();
    let seen = Seen::default();
    let url = |p: &str| format!("{}{p}", g.base);
    let post = |key: &str, body: Value| {
        http.post(url("/api/v1/task"))
            .header("x-api-key", key)
            .json(&body)
    };

    let (s, h, body) = send(&http, &seen, post(&a, kling("fox"))).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(h["x-gateway-held-usd"], "0.26");
    assert_eq!(h["x-gateway-warning"], "soft_limit_reached");
    let task = body["data"]["task_id"].as_str().unwrap().to_owned();
    // Bob cannot read or cancel Alice's task; it looks like a task that does not exist.
    for req in [
        http.get(url(&format!("/api/v1/task/{task}")))
            .header("x-api-key", &b),
        http.delete(url(&format!("/api/v1/task/{task}")))
            .header("x-api-key", &b),
    ] {
        let (s, _, body) = send(&http, &seen, req).await;
        assert_eq!((s, body["message"].as_str()), (404, Some("task not found")));
    }
    let (s, _, view) = send(
        &http,
        &seen,
        http.get(url(&format!("/api/v1/task/{task}")))
            .header("x-api-key", &a),
    )
    .await;
    assert_eq!(
        (s, view["data"]["status"].as_str()),
        (200, Some("completed"))
    );

    // Refusals a program can act on.
    let reason = |v: &Value| v["reason"].as_str().unwrap_or("").to_owned();
    let flux =
        json!({"model": "Qubico/flux1-dev", "task_type": "txt2img", "input": {"prompt": "x"}});
    let (s, _, v) = send(&http, &seen, post(&a, flux.clone())).await;
    assert_eq!((s, reason(&v)), (402, "model_not_allowed".into()), "{v}");
    let (s, _, v) = send(&http, &seen, post(&b, kling("too big"))).await;
    assert_eq!((s, reason(&v)), (402, "task_exceeds_budget".into()), "{v}");
    assert_eq!(v["shortfall_usd"], "0.16");
    let unknown = json!({"model": "no-such-model", "task_type": "x", "input": {}});
    let (s, _, v) = send(&http, &seen, post(&b, unknown)).await;
    assert_eq!((s, reason(&v)), (402, "unpriced".into()), "{v}");
    for _ in 0..3 {
        send(&http, &seen, post(&a, kling("more"))).await;
    }
    let (s, _, v) = send(&http, &seen, post(&a, kling("one too many"))).await;
    assert_eq!((s, reason(&v)), (402, "budget_exceeded".into()), "{v}");

    // Bad requests and other endpoints.
    let (s, _, v) = send(&http, &seen, post(&a, json!({"task_type": "x"}))).await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().starts_with("model:"), "{v}");
    let (s, _, _) = send(&http, &seen, post("pgw.alice.0000", kling("x"))).await;
    assert_eq!(s, 401);
    let (s, _, _) = send(&http, &seen, post(REAL_KEY, kling("x"))).await;
    assert_eq!(s, 401, "the real key is not a gateway key");
    let (s, _, _) = send(
        &http,
        &seen,
        http.delete(url("/api/v1/tasks")).header("x-api-key", &a),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        &http,
        &seen,
        http.get(url("/api/v1/other")).header("x-api-key", &a),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, info) = send(
        &http,
        &seen,
        http.get(url("/account/info")).header("x-api-key", &b),
    )
    .await;
    assert_eq!(
        (s, info["data"]["equivalent_in_usd"].as_str()),
        (200, Some("2.00")),
        "{info}"
    );
    // Revoked: refused from now on.
    let out = std::process::Command::new(common::BIN)
        .args(["--ledger", &ledger, "keys", "revoke", "alice"])
        .output()
        .unwrap();
    assert!(out.status.success());
    tokio::time::sleep(Duration::from_millis(1100)).await; // the key cache's second
    let (s, _, _) = send(&http, &seen, post(&a, kling("after revoke"))).await;
    assert_eq!(s, 401);
    no_leak(&seen.text(), &[g]);
    assert!(
        !mock
            .requests()
            .iter()
            .any(|r| r.header("x-api-key") != Some(REAL_KEY))
    );
}

/// A daily window rolls over at its reset time with no job running, on both stores: the
/// store is given the time (a moved clock) like the service gives it the system's.
async fn window_rolls_over(store: &AnyStore) {
    const DAY: u64 = 86_400_000;
    let reset = 1_769_860_800_000u64;
    let spec = KeySpec {
        key_id: KeyId::new("daily").unwrap(),
        secret_sha256: "cd".repeat(32),
        budget_usd: Usd(usd("1")),
        period: Some(Period::Daily),
        reset_at: Timestamp(reset),
        allowed_models: vec![],
        max_task_usd: None,
        soft_limit_usd: None,
        unpriced_cap_usd: None,
        memo: None,
    };
    let run = |commands: Vec<Command>, now: u64| async move {
        store
            .execute(commands, Timestamp(now))
            .await
            .unwrap()
            .remove(0)
    };
    run(vec![Command::CreateKey { key: spec.clone() }], reset)
        .await
        .unwrap();
    let reserve = |id: &str, now: u64| Command::ReserveTask {
        hold_id: piapi_billing::ledger::HoldId::new(id).unwrap(),
        account: spec.window_account(Timestamp(now)),
        amount: Usd(usd("0.8")),
        ttl_ms: 2 * DAY,
        task: TaskOpen {
            key_id: spec.key_id.clone(),
            model: "kling".into(),
            task_type: "video_generation".into(),
            quote: "{}".into(),
        },
    };
    assert!(matches!(
        run(vec![reserve("d1", reset + 10)], reset + 10).await,
        Ok(Outcome::Reserved(_))
    ));
    let late = reset + DAY - 1;
    let refused = run(vec![reserve("d2", late)], late).await.unwrap_err();
    assert!(
        matches!(refused, LedgerError::InsufficientFunds { .. }),
        "{refused}"
    );
    assert!(matches!(
        run(vec![reserve("d2", reset + DAY)], reset + DAY).await,
        Ok(Outcome::Reserved(_))
    ));
    let key = store.gateway().key(&spec.key_id).await.unwrap().unwrap();
    let accounts = store.gateway().key_accounts(&spec.key_id).await.unwrap();
    assert_eq!(accounts.len(), 2, "one account per window");
    let now = piapi_billing::ledger::key_spend(&key, &accounts, Timestamp(reset + DAY + 1));
    assert_eq!(
        (now.held_usd, now.available_usd),
        (Usd(usd("0.8")), Usd(usd("0.2")))
    );
}

#[tokio::test]
async fn a_budget_window_rolls_over_at_its_reset_time_on_the_embedded_file() {
    window_rolls_over(&open_store(&temp_ledger("window")).await).await;
}

#[tokio::test]
async fn a_budget_window_rolls_over_at_its_reset_time_on_postgres() {
    let Some(url) = ledger_common::fresh_pg_database().await else {
        return;
    };
    window_rolls_over(&open_store(&url).await).await;
}
