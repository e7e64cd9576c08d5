//! The accept loop: a cap on open connections, a clock per connection that closes idle ones and
//! slow request heads, and memory handed back after a flood.
//!
//! `axum::serve` has no connection cap and no timeouts (idle and trickling connections stayed
//! open indefinitely, 20,000 of them reached the process's open-file limit), so connections are
//! served here with hyper's HTTP/1 builder. hyper's own `header_read_timeout` runs from the
//! moment hyper starts waiting for a request head, which on a keep-alive connection includes the
//! idle time between requests, so one timer cannot give both an idle timeout and a head timeout;
//! each connection's [`Clock`] tells the two apart instead, and hyper's timer is off (it would
//! also cost a timer per request). Body time is bounded in [`super::body`].

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::Limits;

/// hyper's read buffer per connection (its default is ~400 KB): also the largest request head.
const MAX_BUFFER_BYTES: usize = 64 * 1024;

/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Pause after a failed accept (e.g. out of file descriptors) before the next try.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves connections from `listener` until `shutdown`, then lets requests in flight finish
/// (for at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: CancellationToken,
) {
    let max = fit_to_open_file_limit(limits.max_connections as usize);
    let slots = Arc::new(Semaphore::new(max));
    let trim = Trim::start(shutdown.clone());
    let mut at_cap_logged = false;
    loop {
        if slots.available_permits() == 0 && !at_cap_logged {
            tracing::warn!(
                max,
                "connection limit reached; new connections wait to be accepted"
            );
        }
        at_cap_logged = slots.available_permits() == 0;
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = shutdown.cancelled() => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let (app, limits, shutdown, trim) =
            (app.clone(), limits.clone(), shutdown.clone(), trim.clone());
        tokio::spawn(async move {
            serve_connection(stream, app, &limits, shutdown).await;
            trim.connection_closed();
            drop(slot);
        });
    }
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("shutting down with requests still in flight");
    }
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: &Limits,
    shutdown: CancellationToken,
) {
    let clock = Arc::new(Clock::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        clock: clock.clone(),
    });
    let service = {
        let clock = clock.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let (app, clock) = (app.clone(), clock.clone());
            clock.set(Phase::Busy);
            async move {
                let response = app.oneshot(request).await;
                clock.set(Phase::Idle);
                response
            }
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(None)
        .max_buf_size(MAX_BUFFER_BYTES);
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    let expiry = clock.expiry(limits.idle_timeout, limits.header_timeout);
    tokio::pin!(expiry);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("HTTP connection ended: {e}");
                }
                return;
            }
            why = &mut expiry => {
                tracing::debug!("closing an HTTP connection: {why}");
                return;
            }
            () = shutdown.cancelled(), if !draining => {
                connection.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// Where a connection is in its request cycle, with the instant it got there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of a request (since connecting or since the last response).
    Idle = 0,
    /// Receiving a request head.
    Head = 1,
    /// Handling a request: reading its body (bounded on its own) and answering.
    Busy = 2,
}

/// A connection's phase and when it started, in one atomic word (phase in the low two bits,
/// milliseconds since the clock's start above): written by the connection's reads and its
/// service, read by its expiry. A request costs a few atomic operations and no timer; the
/// expiry looks at the word on a tick of its own.
struct Clock {
    start: Instant,
    state: AtomicU64,
}

impl Clock {
    fn new() -> Self {
        Clock {
            start: Instant::now(),
            state: AtomicU64::new(Phase::Idle as u64),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX >> 2)
    }

    fn set(&self, phase: Phase) {
        self.state
            .store((self.now_ms() << 2) | phase as u64, Ordering::Relaxed);
    }

    /// Bytes arrived: an idle connection has started a request head.
    fn bytes_arrived(&self) {
        let state = self.state.load(Ordering::Relaxed);
        if state & 3 == Phase::Idle as u64 {
            let head = (self.now_ms() << 2) | Phase::Head as u64;
            // Lost only to the service starting the request: then it is Busy, as it should be.
            let _ = self
                .state
                .compare_exchange(state, head, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn read(&self) -> (Phase, u64) {
        let state = self.state.load(Ordering::Relaxed);
        let phase = match state & 3 {
            0 => Phase::Idle,
            1 => Phase::Head,
            _ => Phase::Busy,
        };
        (phase, state >> 2)
    }

    /// Resolves when the connection has been idle for `idle` or on one request head for
    /// `head`, with the reason: checked four times per the shorter of the two, so a timeout
    /// is enforced at most a quarter late.
    async fn expiry(&self, idle: Duration, head: Duration) -> &'static str {
        let mut tick = tokio::time::interval((idle.min(head) / 4).max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (phase, since_ms) = self.read();
            let elapsed = Duration::from_millis(self.now_ms().saturating_sub(since_ms));
            match phase {
                Phase::Idle if elapsed >= idle => return "idle timeout",
                Phase::Head if elapsed >= head => return "request head timeout",
                // A request's body and answer are bounded elsewhere.
                _ => {}
            }
        }
    }
}

/// The connection's socket, telling its [`Clock`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `max` connections, or fewer if the process cannot open that many files: the soft limit is
/// raised toward the hard one first (as Go's runtime does), keeping 64 descriptors for the
/// listener, the ledger, PiAPI connections and the standard streams.
#[cfg(unix)]
fn fit_to_open_file_limit(max: usize) -> usize {
    const RESERVED: u64 = 64;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given; both calls pass a valid pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0 {
        return max;
    }
    let wanted = (max as u64).saturating_add(RESERVED);
    if limit.rlim_cur != libc::RLIM_INFINITY && limit.rlim_cur < wanted {
        let raised = libc::rlimit {
            rlim_cur: wanted.min(limit.rlim_max),
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above; setrlimit reads the struct.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const raised) } == 0 {
            limit.rlim_cur = raised.rlim_cur;
        }
    }
    if limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur >= wanted {
        return max;
    }
    let fits = usize::try_from(limit.rlim_cur.saturating_sub(RESERVED).max(1)).unwrap_or(max);
    tracing::warn!(
        requested = max,
        open_file_limit = limit.rlim_cur,
        serving = fits,
        "--max-connections is above what the open-file limit allows; serving fewer"
    );
    fits
}

#[cfg(not(unix))]
fn fit_to_open_file_limit(max: usize) -> usize {
    max
}

/// Hands memory freed after a burst of connections back to the system.
///
/// glibc's malloc keeps freed memory in its arenas (one per thread that allocated, up to eight
/// per core), so after a flood the process stayed at its peak (3 GB after 1,000 large bodies) though
/// nothing used it. `malloc_trim(0)` returns the free pages of every arena. It walks the heap,
/// so it runs at most once a second, off the async threads, and only after at least
/// [`Trim::AFTER_CONNECTIONS`] connections closed. A different global allocator would return
/// memory by itself, but costs the stdio server its resident-memory budget and a C build; this
/// touches only the HTTP server. Other C libraries (musl, macOS) return memory on their own.
#[derive(Clone)]
pub struct Trim {
    closed: Arc<AtomicUsize>,
}

impl Trim {
    const AFTER_CONNECTIONS: usize = 32;

    fn start(shutdown: CancellationToken) -> Trim {
        let trim = Trim {
            closed: Arc::new(AtomicUsize::new(0)),
        };
        let closed = trim.closed.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = shutdown.cancelled() => return,
                }
                if closed.load(Ordering::Relaxed) >= Self::AFTER_CONNECTIONS {
                    closed.store(0, Ordering::Relaxed);
                    let _ = tokio::task::spawn_blocking(release_free_memory).await;
                }
            }
        });
        trim
    }

    fn connection_closed(&self) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: malloc_trim only walks and trims glibc's own heap; it takes the arena locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_clock_tells_idle_from_a_slow_head() {
        let clock = Clock::new();
        let idle = Duration::from_secs(30);
        let head = Duration::from_secs(5);
        let started = Instant::now();
        assert_eq!(clock.expiry(idle, head).await, "idle timeout");
        assert_eq!(started.elapsed(), idle);

        let clock = Arc::new(Clock::new());
        let expiry = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.expiry(idle, head).await })
        };
        tokio::time::sleep(Duration::from_secs(20)).await;
        clock.bytes_arrived();
        let started = Instant::now();
        assert_eq!(expiry.await.expect("join"), "request head timeout");
        assert_eq!(started.elapsed(), head, "counted from the first byte");
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_does_not_expire() {
        let clock = Arc::new(Clock::new());
        clock.set(Phase::Busy);
        let expiry = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock
                    .expiry(Duration::from_secs(3), Duration::from_secs(2))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!expiry.is_finished());
        clock.set(Phase::Idle);
        let started = Instant::now();
        assert_eq!(expiry.await.expect("join"), "idle timeout");
        assert!(started.elapsed() <= Duration::from_secs(3));
    }
}
