//! Durable reserve+settle pairs per second on one hot account.
//!
//!   cargo run --release -p piapi-billing-mcp --example ledger_bench -- LEDGER_URL [PAIRS] [CLIENTS...]
//!
//! LEDGER_URL is `file:PATH` (a fresh file is best) or `postgres://…` (use an empty database).
//! Each of CLIENTS concurrent clients repeatedly reserves 0.01 USD on the account `bench-hot`
//! and settles it for 0.005, every command acknowledged only once durable (fdatasync or
//! PostgreSQL commit). Prints pairs/s and per-pair latency percentiles for each client count,
//! then checks that the account adds up.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use piapi_billing::ledger::{AccountId, Command, GrantId, HoldId};
use piapi_billing::money::Usd;
use piapi_billing_mcp::ledger::{LedgerLocation, LedgerService};
use rust_decimal::Decimal;

fn usd(s: &str) -> Usd {
    Usd(Decimal::from_str(s).expect("a decimal literal"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: ledger_bench LEDGER_URL [PAIRS] [CLIENTS...]")?;
    let pairs: usize = args
        .next()
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(10_000);
    let mut clients: Vec<usize> = args.map(|c| c.parse()).collect::<Result<_, _>>()?;
    if clients.is_empty() {
        clients = vec![1, 16, 64, 256];
    }
    let ledger = LedgerService::open(&LedgerLocation::parse(&url)?).await?;
    let account = AccountId::new("bench-hot")?;
    let run = std::process::id();
    ledger
        .submit(Command::Grant {
            grant_id: GrantId::new(format!("bench-fund-{run}"))?,
            account: account.clone(),
            amount: usd("1000000"),
            bonus: Usd::ZERO,
            memo: None,
        })
        .await?;
    println!("ledger: {}", ledger.location());
    println!(
        "{:>8} {:>8} {:>12} {:>10} {:>10} {:>10}",
        "clients", "pairs", "pairs/s", "p50 ms", "p99 ms", "max ms"
    );
    for (round, &n) in clients.iter().enumerate() {
        let todo = if n == 1 { pairs.min(300) } else { pairs };
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..n {
            let (ledger, account, next) = (ledger.clone(), account.clone(), next.clone());
            workers.spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= todo {
                        return Ok::<_, piapi_billing::ledger::LedgerError>(latencies);
                    }
                    let hold_id = HoldId::new(format!("bench-{run}-{round}-{i}"))?;
                    let t = Instant::now();
                    let reserve = Command::Reserve {
                        hold_id: hold_id.clone(),
                        account: account.clone(),
                        amount: usd("0.01"),
                        ttl_ms: 600_000,
                        memo: None,
                    };
                    ledger.submit(reserve).await?;
                    ledger
                        .submit(Command::Settle {
                            hold_id,
                            amount: usd("0.005"),
                            reference: None,
                        })
                        .await?;
                    latencies.push(t.elapsed());
                }
            });
        }
        let mut latencies: Vec<Duration> = Vec::new();
        while let Some(done) = workers.join_next().await {
            latencies.extend(done??);
        }
        let elapsed = start.elapsed();
        if latencies.is_empty() {
            continue;
        }
        latencies.sort();
        let pct =
            |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
        println!(
            "{:>8} {:>8} {:>12.0} {:>10.2} {:>10.2} {:>10.2}",
            n,
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
    }
    let v = ledger.account(&account).await?;
    assert_eq!(
        v.credited_usd.0,
        v.available_usd.0 + v.pending_usd.0 + v.posted_usd.0
    );
    assert!(v.pending_usd.0.is_zero(), "every hold was settled");
    println!(
        "account adds up: credited {} = available {} + pending {} + posted {}",
        v.credited_usd, v.available_usd, v.pending_usd, v.posted_usd
    );
    Ok(())
}
