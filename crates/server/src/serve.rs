//! The HTTP/1.1 server loop: hyper's connection builder under our own accept loop, so that every
//! connection has deadlines (`axum::serve` exposes none).
//!
//! Each connection is watched: a connection that opened or sent the first byte of a request has
//! `header_read` to send the rest of the headers; one idle between requests (keep-alive) is closed
//! after `keepalive_idle`; while a request is being handled the deadlines are the handler's (the
//! body read deadline and the whole-request timeout, both in `http`). hyper's own header timer is
//! not used: it starts when a connection becomes idle, so it would tie the header deadline to the
//! keep-alive idle time, and a keep-alive time shorter than a load balancer's makes the balancer
//! reuse connections we have just closed.
//!
//! On shutdown the listener closes, connections that have not delivered a request are closed,
//! the others finish their request and close, and after `shutdown_grace` whatever is left is
//! closed.
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

/// The connection deadlines (README, "Configuration").
#[derive(Debug, Clone, Copy)]
pub struct ConnectionTimeouts {
    pub header_read: Duration,
    pub keepalive_idle: Duration,
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then shuts down within
/// `timeouts.shutdown_grace`; false when requests had to be cut off at that deadline.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: ConnectionTimeouts,
    shutdown: impl Future<Output = ()>,
) -> bool {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, router.clone(), timeouts, stop_rx.clone()));
                }
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections so the set holds only open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    stop_tx.send_replace(true);
    let open = connections.len();
    tracing::info!(open_connections = open, "shutting down: finishing in-flight requests");
    let drained = tokio::time::timeout(timeouts.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            closed = connections.len(),
            grace_secs = timeouts.shutdown_grace.as_secs(),
            "shutdown grace period over: closing the connections still open"
        );
        connections.shutdown().await;
        return false;
    }
    true
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: ConnectionTimeouts,
    mut stop: watch::Receiver<bool>,
) {
    // Responses are written whole; Nagle's algorithm would only delay their last segment.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let on_request = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let busy = on_request.request_started();
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        let (phase, deadline) = activity.deadline(timeouts);
        if stopping && matches!(phase, Phase::Fresh | Phase::Headers) {
            // No request delivered yet: nothing to finish.
            return;
        }
        let changed = activity.changed.notified();
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            () = sleep_until(deadline) => {
                if activity.deadline(timeouts) == (phase, deadline) {
                    tracing::debug!(%peer, ?phase, "closing a connection past its deadline");
                    return;
                }
            }
            () = changed => {}
            Ok(()) = stop.changed(), if !stopping => {
                stopping = true;
                // Finish the request in flight, if any, then close.
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Where a connection is between requests, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Opened, nothing received yet.
    Fresh,
    /// Part of a request's headers received.
    Headers,
    /// A request is being handled.
    Busy,
    /// Between requests (keep-alive).
    Idle,
}

struct Activity {
    state: Mutex<(Phase, Instant)>,
    changed: Notify,
}

impl Activity {
    fn new() -> Self {
        Self { state: Mutex::new((Phase::Fresh, Instant::now())), changed: Notify::new() }
    }

    fn set(&self, phase: Phase, only_from: &[Phase]) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if only_from.is_empty() || only_from.contains(&state.0) {
            *state = (phase, Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: between requests, that starts the header deadline.
    fn bytes_read(&self) {
        self.set(Phase::Headers, &[Phase::Fresh, Phase::Idle]);
    }

    /// The headers are in and the request is handed to the router until the guard drops.
    fn request_started(self: &Arc<Self>) -> BusyGuard {
        self.set(Phase::Busy, &[]);
        BusyGuard(self.clone())
    }

    /// The phase and when it runs out (None while a request is handled).
    fn deadline(&self, timeouts: ConnectionTimeouts) -> (Phase, Option<Instant>) {
        let (phase, since) = *self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = match phase {
            Phase::Fresh | Phase::Headers => Some(since + timeouts.header_read),
            Phase::Idle => Some(since + timeouts.keepalive_idle),
            Phase::Busy => None,
        };
        (phase, deadline)
    }
}

/// Marks the connection idle again when the response is ready (or the handler is dropped).
struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.set(Phase::Idle, &[]);
    }
}

/// A TCP stream that tells its [`Activity`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
