//! The ledger stores in-process: the same scenarios on the embedded log and on PostgreSQL, plus
//! the embedded log's crash handling (torn tails cut, damage refused) and two independent
//! handles on one ledger racing for the same funds.

mod ledger_common;

use std::io::Write;
use std::time::Duration;

use ledger_common::*;
use piapi_billing::ledger::{Command, HoldId, HoldState, Outcome, ReleaseCause};
use piapi_billing_mcp::ledger::{FileStore, LedgerLocation, LedgerService, LedgerStore, PgStore};

async fn scenario<S: LedgerStore>(ledger: &LedgerService<S>) {
    let acct = account("team/video");
    ledger
        .submit(grant("g1", "team/video", "10"))
        .await
        .unwrap();
    let Outcome::Reserved(r) = ledger
        .submit(reserve("job-1", "team/video", "6", 60_000))
        .await
        .unwrap()
    else {
        panic!("not a reservation")
    };
    assert_eq!(r.expires_at.millis() - r.created_at.millis(), 60_000);

    let err = ledger
        .submit(reserve("job-2", "team/video", "6", 60_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_funds");
    assert_eq!(err.shortfall(), Some(usd("2")));

    let first = ledger.submit(settle("job-1", "4.5")).await.unwrap();
    let Outcome::Settled(s) = &first else {
        panic!("{first:?}")
    };
    assert_eq!((s.charged_usd, s.released_usd), (usd("4.5"), usd("1.5")));
    assert_eq!(
        ledger.submit(settle("job-1", "4.5")).await.unwrap(),
        first,
        "a retry returns the first outcome"
    );
    assert_eq!(
        ledger
            .submit(settle("job-1", "5"))
            .await
            .unwrap_err()
            .code(),
        "already_resolved"
    );
    assert_eq!(
        ledger.submit(release("nope")).await.unwrap_err().code(),
        "hold_not_found"
    );
    let conflict = ledger
        .submit(reserve("job-1", "team/video", "1", 60_000))
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), "idempotency_conflict");

    // A short hold expires; its late charge is recorded, not lost.
    ledger
        .submit(reserve("job-3", "team/video", "2", 30))
        .await
        .unwrap();
    ledger
        .submit(reserve("job-4", "team/video", "1", 60_000))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let Outcome::Expired { holds } = ledger.submit(Command::Expire).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        holds.iter().map(|h| h.hold_id.as_str()).collect::<Vec<_>>(),
        ["job-3"]
    );
    assert_eq!(holds[0].cause, ReleaseCause::Expired);
    let Outcome::Settled(late) = ledger.submit(settle("job-3", "2.5")).await.unwrap() else {
        panic!()
    };
    assert!(late.late);

    let v = ledger.account(&acct).await.unwrap();
    assert_eq!(
        (
            v.credited_usd,
            v.posted_usd,
            v.pending_usd,
            v.available_usd,
            v.late_charged_usd
        ),
        (usd("10"), usd("7"), usd("1"), usd("2"), usd("2.5"))
    );
    let open = ledger.open_holds(None, 10).await.unwrap();
    assert_eq!(
        open.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["job-4"]
    );
    let job3 = ledger
        .hold(&HoldId::new("job-3").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job3.state, HoldState::Expired);
    assert_eq!(job3.charge.unwrap().amount, usd("2.5"));
    assert_eq!(
        ledger
            .account(&account("never-granted"))
            .await
            .unwrap()
            .credited_usd,
        usd("0")
    );
}

/// Two handles that share nothing but the ledger take 1.00 holds from an account credited 150;
/// exactly 150 succeed and the balances add up.
async fn race<S: LedgerStore>(a: LedgerService<S>, b: LedgerService<S>) {
    a.submit(grant("fund", "hot", "150")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let ledger = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            ledger
                .submit(reserve(&format!("r{i}"), "hot", "1", 600_000))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), "insufficient_funds", "{e}"),
        }
    }
    assert_eq!(ok, 150);
    for ledger in [&a, &b] {
        let v = ledger.account(&account("hot")).await.unwrap();
        assert_eq!((v.pending_usd, v.available_usd), (usd("150"), usd("0")));
    }
}

fn temp_log(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ledger-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("ledger.log")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_log_scenario_and_replay() {
    let path = temp_log("scenario");
    let ledger = LedgerService::start(FileStore::open(&path).unwrap(), "test");
    scenario(&ledger).await;
    let before = ledger.account(&account("team/video")).await.unwrap();
    drop(ledger);
    let reopened = FileStore::open(&path).unwrap();
    assert_eq!(
        reopened.account_blocking(&account("team/video")).unwrap(),
        before
    );
    reopened.inspect(|l| l.check_invariants()).unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_log_cuts_a_torn_tail_and_refuses_damage() {
    let path = temp_log("torn");
    let ledger = LedgerService::start(FileStore::open(&path).unwrap(), "test");
    ledger.submit(grant("g", "a", "5")).await.unwrap();
    ledger.submit(reserve("h", "a", "2", 60_000)).await.unwrap();
    drop(ledger);
    let good_len = std::fs::metadata(&path).unwrap().len();

    // A crash mid-append: the next record's header, then only part of its payload.
    let next = piapi_billing_mcp::ledger::log::encode_records(
        piapi_billing_mcp::ledger::log::Format::V2,
        &[piapi_billing::ledger::Event::HoldReleased {
            hold_id: HoldId::new("h").unwrap(),
            at: piapi_billing::ledger::Timestamp(1),
        }],
        3,
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(&next[0][..30]).unwrap();
    drop(f);
    let store = FileStore::open(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        good_len,
        "the torn tail is cut off"
    );
    assert_eq!(
        store.account_blocking(&account("a")).unwrap().pending_usd,
        usd("2")
    );
    let ledger = LedgerService::start(store, "test");
    ledger.submit(settle("h", "1")).await.unwrap();
    drop(ledger);
    assert_eq!(
        FileStore::open(&path)
            .unwrap()
            .account_blocking(&account("a"))
            .unwrap()
            .posted_usd,
        usd("1")
    );

    // A flipped byte in the middle of the log is damage, not a tail: refuse to open.
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = good_len as usize - 5;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let err = FileStore::open(&path)
        .err()
        .expect("a damaged log must not open");
    assert!(err.to_string().contains("damaged"), "{err}");

    std::fs::write(&path, b"not a ledger at all, just some text file\n").unwrap();
    assert!(FileStore::open(&path).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_log_two_handles_never_overspend() {
    let path = temp_log("race");
    let a = LedgerService::start(FileStore::open(&path).unwrap(), "a");
    let b = LedgerService::start(FileStore::open(&path).unwrap(), "b");
    race(a, b).await;
    FileStore::open(&path)
        .unwrap()
        .inspect(|l| l.check_invariants())
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_scenario() {
    let Some(url) = fresh_pg_database().await else {
        return;
    };
    let location = LedgerLocation::parse(&url).unwrap();
    let ledger = LedgerService::open(&location).await.unwrap();
    assert!(ledger.store().downcast::<PgStore>().is_some());
    scenario(&ledger).await;
    // Opening again finds the schema applied and the data there.
    let again = LedgerService::open(&location).await.unwrap();
    assert_eq!(
        again
            .account(&account("team/video"))
            .await
            .unwrap()
            .late_charged_usd,
        usd("2.5")
    );
}

/// A batch that names a hold another instance creates while the batch waits for an account
/// lock: the owners it looked up before waiting miss the new hold's account, which it must not
/// change unlocked. It tries again and settles the hold under that account's lock, instead of
/// failing every command in the batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_hold_created_while_a_batch_waits_is_settled_under_its_lock() {
    let Some(url) = fresh_pg_database().await else {
        return;
    };
    let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let now = piapi_billing::ledger::Timestamp(1_000);
    let funded = b
        .execute(vec![grant("g-z", "z", "10"), grant("g-w", "w", "10")], now)
        .await
        .unwrap();
    assert!(funded.iter().all(Result::is_ok), "{funded:?}");

    // A third writer holds account z's row lock, so the batch below waits on it.
    let (other, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    other
        .batch_execute("BEGIN; SELECT 1 FROM ledger_accounts WHERE id = 'z' FOR UPDATE")
        .await
        .unwrap();
    let batch = tokio::spawn(async move {
        a.execute(
            vec![reserve("r-z", "z", "1", 60_000), settle("x", "0.5")],
            now,
        )
        .await
    });
    let waiting = "SELECT count(*) FROM pg_stat_activity \
                   WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while other
        .query_one(waiting, &[])
        .await
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch never waited for z"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // While it waits, another instance creates the hold it names, on account w.
    let created = b.execute(vec![reserve("x", "w", "1", 60_000)], now).await;
    assert!(created.unwrap()[0].is_ok());
    other.batch_execute("ROLLBACK").await.unwrap();

    let results = batch
        .await
        .unwrap()
        .expect("the batch is retried, not failed");
    assert!(
        matches!(results[0], Ok(Outcome::Reserved(_))),
        "{results:?}"
    );
    let Ok(Outcome::Settled(settled)) = &results[1] else {
        panic!("x is settled once its account is locked: {results:?}");
    };
    assert_eq!(settled.charged_usd, usd("0.5"));
    let w = b.account(&account("w")).await.unwrap();
    assert_eq!(
        (w.posted_usd, w.pending_usd),
        (usd("0.5"), usd("0")),
        "{w:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_never_overspend() {
    let Some(url) = fresh_pg_database().await else {
        return;
    };
    let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
    race(
        LedgerService::start(a.unwrap(), "a"),
        LedgerService::start(b.unwrap(), "b"),
    )
    .await;
}
