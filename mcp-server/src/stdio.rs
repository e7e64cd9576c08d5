//! The stdio transport, without two thread hand-offs per message where the OS allows it.
//!
//! tokio's `stdin()` and `stdout()` (what `rmcp::transport::stdio()` uses) run blocking reads
//! and writes on helper threads, so every JSON-RPC message crosses threads twice: measurable
//! next to a tool that answers in tens of microseconds. When stdin and stdout are pipes, as
//! they are under every MCP client, the reactor can drive them directly instead. Anything else
//! (a terminal, a file, a socket) keeps tokio's portable path.

use tokio::io::{AsyncRead, AsyncWrite};

pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// stdin and stdout as an rmcp transport. Must be called inside the tokio runtime.
pub fn transport() -> (Reader, Writer) {
    (reader(), writer())
}

#[cfg(unix)]
fn reader() -> Reader {
    use std::os::fd::AsFd;
    match std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(tokio::net::unix::pipe::Receiver::from_owned_fd)
    {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdin()),
    }
}

#[cfg(unix)]
fn writer() -> Writer {
    use std::os::fd::AsFd;
    // A pipe in non-blocking mode is non-blocking for every descriptor sharing it. When stderr
    // is the same pipe (`2>&1`), a log line written while the pipe is full would fail with
    // EAGAIN instead of waiting, so that case keeps tokio's blocking writer.
    if same_file(std::io::stdout().as_fd(), std::io::stderr().as_fd()) {
        return Box::new(tokio::io::stdout());
    }
    match std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(tokio::net::unix::pipe::Sender::from_owned_fd)
    {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdout()),
    }
}

/// Whether two descriptors refer to the same file (device and inode); `true` when unsure.
#[cfg(unix)]
fn same_file(a: std::os::fd::BorrowedFd<'_>, b: std::os::fd::BorrowedFd<'_>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |fd: std::os::fd::BorrowedFd<'_>| {
        let file = std::fs::File::from(fd.try_clone_to_owned()?);
        file.metadata().map(|m| (m.dev(), m.ino()))
    };
    match (id(a), id(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => true,
    }
}

#[cfg(not(unix))]
fn reader() -> Reader {
    Box::new(tokio::io::stdin())
}

#[cfg(not(unix))]
fn writer() -> Writer {
    Box::new(tokio::io::stdout())
}
