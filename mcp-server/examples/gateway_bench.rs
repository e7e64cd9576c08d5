//! Added latency of the budget gateway over the mock PiAPI, at a fixed create-task rate.
//!
//! ```text
//! cargo run --release -p piapi-billing-mcp --example gateway_bench -- LEDGER_URL [RATE] [SECONDS]
//! ```
//!
//! Starts the mock PiAPI and one gateway in this process, creates a key with a budget no run
//! exhausts, then sends create-task requests open-loop at RATE per second for SECONDS: first
//! straight to the mock, then through the gateway. It prints p50/p90/p99 of both and their
//! difference (the gateway's added latency), and how many requests failed. Every gateway
//! request is priced, held durably (ReserveTask) and tied to its task id (AttachTask) before
//! it is answered, so the ledger's durable write is in every figure.

#[path = "../tests/support/mock_piapi.rs"]
mod mock_piapi;

use std::sync::Arc;
use std::time::{Duration, Instant};

use piapi_billing::Billing;
use piapi_billing::money::Usd;
use piapi_billing_mcp::gateway::admin::{CreateKeyArgs, create_key};
use piapi_billing_mcp::gateway::upstream::Upstream;
use piapi_billing_mcp::gateway::{Gateway, router};
use piapi_billing_mcp::ledger::{LedgerLocation, LedgerService};
use piapi_billing_mcp::piapi_client::{PiapiConfig, SecretKey};
use serde_json::json;

const REAL_KEY: &str = "pk-bench-real-key";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ledger_url = args
        .get(1)
        .expect("usage: gateway_bench LEDGER_URL [RATE] [SECONDS]");
    let rate: u64 = args.get(2).map_or(1000, |r| r.parse().expect("RATE"));
    let seconds: u64 = args.get(3).map_or(5, |s| s.parse().expect("SECONDS"));
    let _ = rustls::crypto::ring::default_provider().install_default();

    let behaviour = mock_piapi::Behaviour::new(REAL_KEY).creates_tasks(2_000_000, u32::MAX);
    let mock = mock_piapi::MockPiapi::start(behaviour).await;
    let ledger = LedgerService::open(&LedgerLocation::parse(ledger_url).expect("ledger URL"))
        .await
        .expect("open the ledger");
    let key_id = format!("bench-{}", std::process::id());
    let created = create_key(
        &ledger,
        CreateKeyArgs {
            key_id,
            budget_usd: Usd(1_000_000.into()),
            ..CreateKeyArgs::default()
        },
    )
    .await
    .expect("create the key");
    let config = PiapiConfig::new(&mock.base_url(), SecretKey::new(REAL_KEY)).expect("config");
    let gateway = Arc::new(Gateway {
        billing: Billing::new(),
        ledger,
        upstream: Upstream::new(&config).expect("upstream"),
        keys: Default::default(),
        hold_ttl: Duration::from_secs(3600),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router(gateway, 1 << 20))
            .await
            .unwrap();
    });

    let direct = run(&mock.base_url(), REAL_KEY, rate, seconds).await;
    let through = run(&gateway_url, &created.secret, rate, seconds).await;
    println!("rate {rate}/s for {seconds} s, ledger {ledger_url}");
    report("mock directly", &direct);
    report("through gateway", &through);
    for (name, q) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)] {
        let added = pct(&through.0, q) as f64 - pct(&direct.0, q) as f64;
        println!("added {name}: {:.3} ms", added / 1000.0);
    }
}

/// Latencies (µs) of successful requests, the failures, and the rate achieved.
type Run = (Vec<u64>, usize, f64);

async fn run(base: &str, key: &str, rate: u64, seconds: u64) -> Run {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap();
    let body = json!({"model": "kling", "task_type": "video_generation",
                      "input": {"prompt": "bench", "version": "2.1", "mode": "std", "duration": 5}})
    .to_string();
    let url = format!("{base}/api/v1/task");
    let total = rate * seconds;
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..total {
        tick.tick().await;
        let (http, url, key, body) = (http.clone(), url.clone(), key.to_owned(), body.clone());
        tasks.spawn(async move {
            let t = Instant::now();
            let ok = http
                .post(url)
                .header("x-api-key", key)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            (ok, t.elapsed().as_micros() as u64)
        });
    }
    let mut latencies = Vec::with_capacity(total as usize);
    let mut failed = 0;
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok((true, us)) => latencies.push(us),
            _ => failed += 1,
        }
    }
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    (latencies, failed, achieved)
}

fn pct(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn report(name: &str, (lat, failed, achieved): &Run) {
    println!(
        "{name}: {} ok, {failed} failed, {achieved:.0} req/s; p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        lat.len(),
        pct(lat, 0.5) as f64 / 1000.0,
        pct(lat, 0.9) as f64 / 1000.0,
        pct(lat, 0.99) as f64 / 1000.0
    );
}
