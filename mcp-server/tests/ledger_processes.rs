//! The ledger through the real server binary, as separate OS processes: several
//! `piapi-billing-mcp` servers sharing one ledger (the embedded file, or PostgreSQL) never
//! overspend an account, and a server killed with SIGKILL in the middle of a reservation load
//! loses nothing it acknowledged.

mod ledger_common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ledger_common::mcp::{self, call};
use ledger_common::*;
use piapi_billing::ledger::{AccountView, HoldState};
use piapi_billing_mcp::ledger::{FileStore, PgStore};
use serde_json::json;

enum Backend {
    File(PathBuf),
    Postgres(String),
}

impl Backend {
    async fn new(name: &str) -> Option<Backend> {
        if name == "file" {
            let dir = std::env::temp_dir().join(format!(
                "ledger-processes-{}-{}",
                std::process::id(),
                rand_suffix()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            Some(Backend::File(dir.join("ledger.log")))
        } else {
            fresh_pg_database().await.map(Backend::Postgres)
        }
    }

    fn url(&self) -> String {
        match self {
            Backend::File(p) => format!("file:{}", p.display()),
            Backend::Postgres(u) => u.clone(),
        }
    }

    /// Reads an account straight from the store, checking the store's invariants on the way.
    async fn account(&self, name: &str) -> (AccountView, Vec<(String, HoldState)>) {
        match self {
            Backend::File(path) => {
                let store = FileStore::open(path).unwrap();
                store.inspect(|l| l.check_invariants()).unwrap().unwrap();
                let holds = store
                    .inspect(|l| {
                        l.holds()
                            .filter(|h| h.account.as_str() == name)
                            .map(|h| (h.id.to_string(), h.state))
                            .collect::<Vec<_>>()
                    })
                    .unwrap();
                (store.account_blocking(&account(name)).unwrap(), holds)
            }
            Backend::Postgres(url) => {
                use piapi_billing_mcp::ledger::LedgerStore;
                let store = PgStore::open(url).await.unwrap();
                let view = store.account(&account(name)).await.unwrap();
                let open = store
                    .open_holds(Some(&account(name)), 100_000)
                    .await
                    .unwrap();
                let pending: rust_decimal::Decimal = open.iter().map(|h| h.amount.0).sum();
                assert_eq!(
                    view.pending_usd.0, pending,
                    "pending equals the sum of open holds"
                );
                (
                    view,
                    open.into_iter()
                        .map(|h| (h.id.to_string(), h.state))
                        .collect(),
                )
            }
        }
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Three server processes race 180 reservations of 1.00 against an account credited 100.
async fn no_overspend_across_processes(backend: Backend) {
    let url = backend.url();
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(mcp::start(&["--ledger", &url]).await);
    }
    call(
        servers[0].client.peer(),
        "grant_credits",
        json!({"grant_id": "fund", "account": "hot", "amount_usd": "100"}),
    )
    .await
    .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for (k, server) in servers.iter().enumerate() {
        for i in 0..60 {
            let peer = server.client.peer().clone();
            tasks.spawn(async move {
                let id = format!("p{k}-{i}");
                let args = json!({"hold_id": id, "account": "hot", "amount_usd": "1.00", "ttl_seconds": 600});
                (id, call(&peer, "reserve_credits", args).await)
            });
        }
    }
    let mut held = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            (id, Ok(result)) => {
                assert_eq!(result["amount_usd"], "1.00");
                held.push(id);
            }
            (_, Err(e)) => assert!(e.contains("insufficient funds"), "{e}"),
        }
    }
    assert_eq!(held.len(), 100, "exactly the credited amount was reserved");

    // Settle every other hold for 0.25 (the rest released) through whichever server.
    held.sort();
    for (n, id) in held.iter().enumerate() {
        let peer = servers[n % 3].client.peer();
        if n % 2 == 0 {
            let s = call(
                peer,
                "settle_hold",
                json!({"hold_id": id, "amount_usd": "0.25"}),
            )
            .await
            .unwrap();
            assert_eq!(
                (s["charged_usd"].as_str(), s["released_usd"].as_str()),
                (Some("0.25"), Some("0.75"))
            );
        } else {
            let r = call(peer, "release_hold", json!({"hold_id": id}))
                .await
                .unwrap();
            assert_eq!(r["cause"], "released");
        }
    }
    let listed = call(
        servers[1].client.peer(),
        "list_holds",
        json!({"account": "hot"}),
    )
    .await
    .unwrap();
    assert_eq!(listed["holds"].as_array().unwrap().len(), 0);
    for s in servers {
        s.client.cancel().await.unwrap();
    }

    let (v, _) = backend.account("hot").await;
    assert_eq!(
        (v.credited_usd, v.posted_usd, v.pending_usd, v.available_usd),
        (usd("100"), usd("12.5"), usd("0"), usd("87.5"))
    );
}

/// SIGKILL a server while eight clients pour reservations into it; after a restart every
/// acknowledged hold is there and the books balance.
async fn acknowledged_holds_survive_sigkill(backend: Backend) {
    let url = backend.url();
    let server = mcp::start(&["--ledger", &url]).await;
    call(
        server.client.peer(),
        "grant_credits",
        json!({"grant_id": "fund", "account": "crash", "amount_usd": "1000"}),
    )
    .await
    .unwrap();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut loaders = tokio::task::JoinSet::new();
    for t in 0..8 {
        let peer = server.client.peer().clone();
        let acked = acked.clone();
        loaders.spawn(async move {
            for i in 0.. {
                let id = format!("c{t}-{i}");
                let args = json!({"hold_id": id, "account": "crash", "amount_usd": "0.01", "ttl_seconds": 3600});
                match call(&peer, "reserve_credits", args).await {
                    Ok(_) => acked.lock().unwrap().push(id),
                    Err(_) => return,
                }
            }
        });
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 300 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the load did not get going"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-KILL", &server.pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    while loaders.join_next().await.is_some() {}
    let acked: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    drop(server);

    let restarted = mcp::start(&["--ledger", &url]).await;
    let listed = call(
        restarted.client.peer(),
        "list_holds",
        json!({"account": "crash", "limit": 1000}),
    )
    .await
    .unwrap();
    let present: BTreeSet<String> = listed["holds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hold_id"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<&String> = acked.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged holds were lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // A retry of an acknowledged reservation replays it rather than taking a second hold.
    let first = acked.iter().next().unwrap();
    let again = call(
        restarted.client.peer(),
        "reserve_credits",
        json!({"hold_id": first, "account": "crash", "amount_usd": "0.01", "ttl_seconds": 3600}),
    )
    .await
    .unwrap();
    assert_eq!(again["hold_id"], first.as_str());
    restarted.client.cancel().await.unwrap();

    let (v, holds) = backend.account("crash").await;
    assert_eq!(holds.len(), present.len());
    assert!(holds.iter().all(|(_, s)| *s == HoldState::Pending));
    assert_eq!(
        v.pending_usd.0,
        usd("0.01").0 * rust_decimal::Decimal::from(present.len())
    );
    assert_eq!(
        v.credited_usd.0,
        v.available_usd.0 + v.pending_usd.0 + v.posted_usd.0
    );
    eprintln!(
        "killed after {} acknowledged reservations; {} present after restart",
        acked.len(),
        present.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_three_processes_never_overspend() {
    no_overspend_across_processes(Backend::new("file").await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_three_processes_never_overspend() {
    let Some(backend) = Backend::new("postgres").await else {
        return;
    };
    no_overspend_across_processes(backend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_sigkill_loses_no_acknowledged_hold() {
    acknowledged_holds_survive_sigkill(Backend::new("file").await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_sigkill_loses_no_acknowledged_hold() {
    let Some(backend) = Backend::new("postgres").await else {
        return;
    };
    acknowledged_holds_survive_sigkill(backend).await;
}
