//! The wheelhouse as a read-only package index over HTTP: the pages of the static index
//! (PEP 503 HTML or PEP 691 JSON by `Accept`, PEP 658 metadata), rendered from the catalog
//! and reloaded when it changes, and the wheels themselves with `Range` and `ETag`. Serving
//! is this crate's one job: what each level publishes and how its pages read is
//! `simple-index`'s, the same code `wheelhouse index --html` writes a static tree with. (The
//! example below is compiled, not run: it listens on a port and serves until stopped.)
//!
//! Built on hyper 1 and tokio, HTTP/1.1 only (what pip and uv speak to an index). Request
//! paths are never joined to the wheelhouse root: a file is served only if the catalog lists
//! it, so `..` and encoded variants cannot reach anything else. Slow clients cannot hold a
//! connection open without sending headers (a header timeout), and SIGTERM or Ctrl-C stop
//! accepting, let the requests in flight finish (up to 30 s), then exit.
//!
//! Load: connections are bounded by the open-file limit (raised to its hard maximum at
//! start), keeping a descriptor free for the file each connection may be sending and a
//! reserve for reloading the catalog, so that a flood of idle or slow connections makes new
//! clients wait in the listen queue, never makes a good request fail for want of a file
//! descriptor. A client must send a request's headers within 10 s of the connection opening
//! or going idle (byte by byte does not reset the clock), or it is dropped; within 2 s when
//! fewer than an eighth of the slots are free, so that a flood larger than the bound drains
//! quickly and queued clients get their turn. A response that a client stops reading is
//! abandoned after [`WRITE_STALL_TIMEOUT`] without progress, freeing its slot and its file.
//!
//! ```no_run
//! let config = index_server::ServerConfig {
//!     root: "/srv/wheelhouse".into(),
//!     bind: "127.0.0.1:8080".parse().unwrap(),
//!     access_log: true,
//!     views: None,
//!     write_stall: index_server::WRITE_STALL_TIMEOUT,
//!     max_connections: None,
//! };
//! index_server::serve(config, |addr| eprintln!("serving on http://{addr}/")).unwrap();
//! ```

mod body;
mod handler;
mod stall;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};

pub use state::LoadError;

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub root: PathBuf,
    pub bind: SocketAddr,
    /// One line per request on standard error.
    pub access_log: bool,
    /// The levels and their directories from the site's pip configuration files
    /// (`simple_index::views_from_pip_configs`); the wheelhouse layout's when `None`.
    pub views: Option<Vec<simple_index::View>>,
    /// How long a response may wait on a client that reads nothing before the connection is
    /// closed ([`WRITE_STALL_TIMEOUT`] is the command line's).
    pub write_stall: Duration,
    /// Connections served at once; `None`: from the open-file limit (see the crate docs).
    pub max_connections: Option<usize>,
}

/// How long a response may wait on a client that reads nothing: generous for a slow link (a
/// wheel keeps flowing however slowly), short enough that clients which stop reading do not
/// pile up.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Why serving stopped with an error.
#[derive(Debug)]
pub enum ServeError {
    Load(LoadError),
    Bind(SocketAddr, std::io::Error),
    Runtime(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Load(e) => write!(f, "{e}"),
            ServeError::Bind(addr, e) => write!(
                f,
                "cannot listen on {addr}: {e}. Choose another address with --bind (e.g. 127.0.0.1:8081)"
            ),
            ServeError::Runtime(e) => write!(f, "cannot start the server: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// How long a client has to send a request's headers, from the connection's opening or its
/// last response (sending them a byte at a time does not extend it).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The same when fewer than an eighth of the connection slots are free.
const SATURATED_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Threads for file system calls (opening and reading wheels).
const BLOCKING_THREADS: usize = 32;

/// Descriptors kept for the catalog reload, the log and the runtime itself.
const RESERVED_FDS: u64 = 64;

/// How many connections are served at once: each needs its socket and may hold a wheel file
/// open, within the open-file limit (first raised to the hard limit, as a server should).
fn max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct given, nothing else.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 512;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max.min(1 << 20),
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = raised.rlim_cur;
            }
        }
        limit.rlim_cur
    };
    (soft.saturating_sub(RESERVED_FDS) / 2).clamp(8, 50_000) as usize
}

/// Serves until SIGTERM or SIGINT; `ready` is called with the bound address (port 0 picks a
/// free one) once the server accepts connections.
pub fn serve(config: ServerConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let snapshot = state::load(&config.root, config.views.as_deref()).map_err(ServeError::Load)?;
    if let Some(why) = &snapshot.stale {
        eprintln!("wheelhouse serve: warning: the catalog is stale ({why}); new wheels are served after `wheelhouse index`");
    }
    let shared = Arc::new(state::Shared::new(
        config.root.clone(),
        config.views.clone(),
        snapshot,
    ));
    // File opens and reads run on the blocking pool: bounded, so hundreds of clients
    // downloading at once queue for a thread instead of each holding one (and its buffers).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(run(config, shared, ready))
}

async fn run(
    config: ServerConfig,
    shared: Arc<state::Shared>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| ServeError::Bind(config.bind, e))?;
    let addr = listener.local_addr().map_err(ServeError::Runtime)?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(ServeError::Runtime)?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(ServeError::Runtime)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let bound = config
        .max_connections
        .unwrap_or_else(max_connections)
        .max(1);
    let slots = Arc::new(tokio::sync::Semaphore::new(bound));

    // The catalog is checked once a second; a changed one replaces the snapshot whole.
    let reloader = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let s = shared.clone();
                if let Ok(Some(line)) =
                    tokio::task::spawn_blocking(move || s.reload_if_changed()).await
                {
                    eprintln!("wheelhouse serve: {line}");
                }
            }
        })
    };
    ready(addr);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        // A free slot first: at the bound, new connections wait in the listen queue.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.expect("the semaphore is never closed"),
            _ = term.recv() => break,
            _ = int.recv() => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = term.recv() => break,
            _ = int.recv() => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // Near the bound, connections that send nothing are dropped sooner, so that a flood
        // of them drains in waves of seconds and good clients in the queue get their turn.
        let header_timeout = if slots.available_permits() < bound / 8 {
            SATURATED_HEADER_TIMEOUT
        } else {
            HEADER_TIMEOUT
        };
        let shared = shared.clone();
        let mut stop = stop_rx.clone();
        let log = config.access_log;
        let write_stall = config.write_stall;
        connections.spawn(async move {
            let _slot = slot;
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let snapshot = shared.get();
                async move {
                    let started = Instant::now();
                    let line = log.then(|| format!("{peer} \"{} {}\"", req.method(), req.uri()));
                    let response = handler::handle(snapshot, req).await;
                    if let Some(line) = line {
                        let len = response
                            .headers()
                            .get("content-length")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-")
                            .to_string();
                        eprintln!(
                            "{line} {} {len} {:.1}ms",
                            response.status().as_u16(),
                            started.elapsed().as_secs_f64() * 1000.0
                        );
                    }
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(
                    TokioIo::new(stall::StallGuard::new(stream, write_stall)),
                    service,
                );
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    eprintln!(
        "wheelhouse serve: stopping; waiting for {} connection(s)",
        connections.len()
    );
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    reloader.abort();
    Ok(())
}
