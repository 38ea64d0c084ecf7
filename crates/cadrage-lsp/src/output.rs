//! Standard output, shared by the LSP framework and the checking worker.
//!
//! The framework serializes every message through a `serde_json::Value`
//! tree. For a long plan's diagnostics (hundreds of kilobytes of JSON on
//! every edit) that costs more than the check itself, so the worker writes
//! its `publishDiagnostics` notifications already serialized, from
//! diagnostics it keeps between checks (see `recheck`).
//!
//! A thread writes, in the order they come, the chunks the framework hands
//! to [`OutputWriter`]; the worker writes its frames itself ([`Output`]).
//! Each write holds stdout's lock. The framework's encoder only ever writes
//! whole frames, and [`OutputWriter`] always takes all it is given, so a
//! chunk is always a sequence of whole frames: frames never interleave.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::Duration;

use tower_lsp_server::ls_types::Uri;

enum Msg {
    Bytes(Vec<u8>),
    /// Answered once everything sent before it is written.
    Flush(mpsc::Sender<()>),
}

/// Sends frames to stdout; cheap to clone.
#[derive(Clone)]
pub(crate) struct Output {
    tx: mpsc::Sender<Msg>,
}

/// What the framework writes to (in place of `tokio::io::stdout()`).
pub(crate) struct OutputWriter {
    tx: mpsc::Sender<Msg>,
}

/// Starts the writing thread.
pub(crate) fn stdout() -> (Output, OutputWriter) {
    let (tx, rx) = mpsc::channel::<Msg>();
    let spawned = std::thread::Builder::new().name("cadrage-lsp-stdout".into()).spawn(move || {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Bytes(bytes) => {
                    let mut out = std::io::stdout().lock();
                    if out.write_all(&bytes).and_then(|()| out.flush()).is_err() {
                        // The client is gone: dropping `rx` makes every later send fail.
                        return;
                    }
                }
                Msg::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    });
    if let Err(e) = spawned {
        eprintln!("cadrage lsp: cannot start the output thread: {e}");
    }
    (Output { tx: tx.clone() }, OutputWriter { tx })
}

impl Output {
    /// `textDocument/publishDiagnostics` for `uri`, with `diagnostics` a JSON array.
    pub fn publish(&self, uri: &Uri, diagnostics: &[u8], version: Option<i32>) {
        self.publish_if(uri, diagnostics, version, || true);
    }

    /// Publishes if `current()` says so when asked with stdout held, so
    /// that nothing written after that answer comes before: a document
    /// closed after it gets its empty list after these diagnostics.
    ///
    /// Written now, from this thread: no hand-over to the writing thread on
    /// the way to the editor. Stdout's lock keeps the frame whole; it may
    /// pass framework messages still queued, which is fine: nothing orders
    /// them with diagnostics.
    pub fn publish_if(&self, uri: &Uri, diagnostics: &[u8], version: Option<i32>, current: impl FnOnce() -> bool) {
        let uri = serde_json::to_string(uri).unwrap_or_else(|_| "\"\"".into());
        // Without a version, none is sent (as the framework does).
        let version = version.map_or_else(String::new, |v| format!("\"version\":{v},"));
        let head = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{{\"uri\":{uri},{version}\"diagnostics\":"
        );
        let length = head.len() + diagnostics.len() + 2;
        let mut frame = Vec::with_capacity(length + 32);
        frame.extend_from_slice(format!("Content-Length: {length}\r\n\r\n").as_bytes());
        frame.extend_from_slice(head.as_bytes());
        frame.extend_from_slice(diagnostics);
        frame.extend_from_slice(b"}}");
        let mut out = std::io::stdout().lock();
        if current() {
            let _ = out.write_all(&frame).and_then(|()| out.flush());
        }
    }

    /// Waits (at most `timeout`) until everything sent so far is written.
    pub fn flush(&self, timeout: Duration) {
        let (done, wait) = mpsc::channel();
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(timeout);
        }
    }
}

impl tokio::io::AsyncWrite for OutputWriter {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        // Always all of it: the framework then never splits a frame.
        match self.tx.send(Msg::Bytes(buf.to_vec())) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(_) => Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
