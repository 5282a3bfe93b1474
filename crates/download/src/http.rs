//! The HTTP side: pages and files over ureq, with the proxy and certificates the site
//! configures (pip's `proxy` and `cert`, `HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`), and
//! the primitives the rest builds on: counted requests, bodies read in chunks that stop on
//! Ctrl-C, and conditional page requests.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use ureq::http::Response;
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Body};

use crate::absolute;
use crate::route::{self, unreachable, Route, Target};
use crate::Error;

/// How to reach indexes.
#[derive(Clone, Debug, Default)]
pub struct HttpSettings {
    pub https_proxy: Option<String>,
    pub http_proxy: Option<String>,
    /// `NO_PROXY` entries: hosts reached without the proxy (forms as curl and pip read them,
    /// see `route::Target::bypasses`); loopback is always direct.
    pub no_proxy: Vec<String>,
    /// A PEM bundle of trusted roots; `None`: the system's bundle (else the bundled Mozilla roots).
    pub cert: Option<PathBuf>,
    pub timeout: Duration,
}

/// An HTTP client: one agent through each proxy, one direct.
pub struct Client {
    direct: Agent,
    https_proxied: Option<(Agent, String)>,
    http_proxied: Option<(Agent, String)>,
    no_proxy: Vec<String>,
    /// The certificates trusted, for errors: "the system's bundle /etc/…", "PATH".
    trust: String,
    counters: Arc<Counters>,
    cancel: Option<Arc<AtomicBool>>,
}

/// Where distributions keep the system's certificate bundle (Debian/Ubuntu, RHEL/Fedora,
/// SUSE, Alpine).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Pages are small; a body past this is not an index page.
const PAGE_LIMIT: u64 = 64 * 1024 * 1024;
/// A PEP 658 metadata file past this is not one.
const SMALL_LIMIT: u64 = 16 * 1024 * 1024;

impl Client {
    pub fn new(settings: &HttpSettings) -> Result<Client, Error> {
        // The system's trust store, as pip (through certifi's system patch on Debian) and curl
        // use it, so a site's own certificate authority works; the bundled Mozilla roots only
        // where the system has no bundle.
        let system = SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.is_file());
        let trust = match (&settings.cert, system) {
            (Some(cert), _) => format!(
                "the bundle {} (pip's `cert`, PIP_CERT, SSL_CERT_FILE or REQUESTS_CA_BUNDLE)",
                cert.display()
            ),
            (None, Some(system)) => format!("the system's bundle {}", system.display()),
            (None, None) => "the bundled Mozilla roots".to_string(),
        };
        let tls = match settings.cert.as_deref().or(system) {
            None => TlsConfig::builder().build(),
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| Error::CertificateBundle {
                    path: path.to_path_buf(),
                    source: Arc::new(e),
                })?;
                let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(Error::NoCertificate {
                        path: path.to_path_buf(),
                    });
                }
                TlsConfig::builder()
                    .root_certs(RootCerts::Specific(Arc::new(certs)))
                    .build()
            }
        };
        let config = |proxy: Option<ureq::Proxy>| {
            Agent::config_builder()
                .tls_config(tls.clone())
                .proxy(proxy)
                .timeout_connect(Some(settings.timeout))
                // pip's `timeout` is how long a silent server is waited for: here the wait
                // for an answer's headers (a body's pace is bounded by the global limit).
                .timeout_recv_response(Some(settings.timeout))
                .timeout_global(Some(settings.timeout * 20))
                .http_status_as_error(false)
                .user_agent(concat!("wheelhouse/", env!("CARGO_PKG_VERSION")))
                .build()
        };
        let agent = |proxy: Option<&str>| -> Result<Agent, Error> {
            let proxy = match proxy {
                Some(p) => Some(ureq::Proxy::new(p).map_err(|e| Error::UnusableProxy {
                    proxy: route::redact(p),
                    settings: "HTTPS_PROXY, HTTP_PROXY or pip's `proxy`",
                    source: Arc::new(e),
                })?),
                None => None,
            };
            Ok(config(proxy).into())
        };
        let proxied = |proxy: &Option<String>| -> Result<Option<(Agent, String)>, Error> {
            match proxy.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => Ok(Some((agent(Some(p))?, route::redact(p)))),
                None => Ok(None),
            }
        };
        let http_proxy = settings
            .http_proxy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        Ok(Client {
            direct: agent(None)?,
            https_proxied: proxied(&settings.https_proxy)?,
            http_proxied: match http_proxy {
                // A plain HTTP proxy without credentials gets `GET http://…` requests, as
                // from pip; others (credentials, TLS to the proxy) a CONNECT tunnel.
                Some(p) if !p.contains('@') && (p.starts_with("http://") || !p.contains("://")) => {
                    let agent =
                        absolute::agent(config(None), p).map_err(|e| Error::UnusableProxy {
                            proxy: p.to_string(),
                            settings: "HTTP_PROXY or pip's `proxy`",
                            source: Arc::new(e),
                        })?;
                    Some((agent, route::redact(p)))
                }
                _ => proxied(&settings.http_proxy)?,
            },
            no_proxy: settings.no_proxy.clone(),
            trust,
            counters: Arc::default(),
            cancel: None,
        })
    }

    /// The agent for a URL and how it goes: direct for loopback and `NO_PROXY` hosts, else
    /// through the scheme's proxy when there is one (pip's HTTP library does the same).
    pub(crate) fn agent(&self, url: &str) -> (&Agent, Route<'_>) {
        let target = Target::parse(url);
        let proxied = if target.scheme.eq_ignore_ascii_case("https") {
            &self.https_proxied
        } else {
            &self.http_proxied
        };
        let trust = self.trust.as_str();
        match proxied {
            Some((agent, proxy)) if !target.is_loopback() && !target.bypasses(&self.no_proxy) => (
                agent,
                Route {
                    proxy: Some(proxy),
                    trust,
                },
            ),
            _ => (&self.direct, Route { proxy: None, trust }),
        }
    }

    /// Whether the caller asked to stop (Ctrl-C): transfers end at their next chunk.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// The error for a transfer stopped by [`Client::cancelled`].
    pub(crate) fn cancel_error(&self) -> Error {
        Error::Cancelled
    }

    /// Sends a GET with `headers`; every request is counted.
    pub(crate) fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<(Response<Body>, Route<'_>), Error> {
        if self.cancelled() {
            return Err(self.cancel_error());
        }
        let (agent, route) = self.agent(url);
        let mut request = agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.call().map_err(|e| unreachable(url, &route, e))?;
        Ok((response, route))
    }

    /// Reads a body into `sink`, at most `limit` bytes, counted, checking for cancellation
    /// between chunks.
    pub(crate) fn read_body<E>(
        &self,
        response: &mut Response<Body>,
        limit: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<u64, Stop<E>> {
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            if self.cancelled() {
                return Err(Stop::Cancelled);
            }
            let n = match reader.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) => return Err(Stop::Network(e)),
            };
            self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
            total += n as u64;
            if total > limit {
                return Err(Stop::TooLarge);
            }
            sink(&buf[..n]).map_err(Stop::Write)?;
        }
    }

    /// A body read whole into memory, at most `limit` bytes.
    pub(crate) fn body(
        &self,
        url: &str,
        route: &Route<'_>,
        response: &mut Response<Body>,
        limit: u64,
    ) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        // Memory takes every byte: nothing can stop the sink.
        match self.read_body(response, limit, |b| {
            out.extend_from_slice(b);
            Ok::<(), std::convert::Infallible>(())
        }) {
            Ok(_) => Ok(out),
            Err(Stop::Cancelled) => Err(self.cancel_error()),
            Err(Stop::TooLarge) => Err(Error::TooLarge {
                url: url.to_string(),
                limit_mib: limit >> 20,
            }),
            Err(Stop::Network(e)) => Err(route::unreachable_io(url, route, e)),
            Err(Stop::Write(never)) => match never {},
        }
    }

    /// GETs a project page, asking for JSON first (PEP 691), HTML as the fallback, with the
    /// validators of a kept copy (`If-None-Match`, `If-Modified-Since`).
    pub(crate) fn page(&self, url: &str, validators: &Validators) -> Result<PageAnswer, Error> {
        let mut headers = vec![(
            "Accept",
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
        )];
        if let Some(etag) = &validators.etag {
            headers.push(("If-None-Match", etag));
        }
        if let Some(date) = &validators.last_modified {
            headers.push(("If-Modified-Since", date));
        }
        let (mut response, route) = self.get(url, &headers)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let meta = PageMeta {
            status,
            content_type: header("content-type")
                .unwrap_or_default()
                .to_ascii_lowercase(),
            validators: Validators {
                etag: header("etag"),
                last_modified: header("last-modified"),
            },
            cache_control: header("cache-control").unwrap_or_default(),
            age: header("age")
                .and_then(|a| a.trim().parse().ok())
                .unwrap_or(0),
        };
        match status {
            304 => {
                self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
                Ok(PageAnswer::NotModified(meta))
            }
            404 => Ok(PageAnswer::Page(meta, Vec::new())),
            200 => {
                let body = self.body(url, &route, &mut response, PAGE_LIMIT)?;
                Ok(PageAnswer::Page(meta, body))
            }
            _ => Err(route::status(url, &route, status)),
        }
    }

    /// GETs a small file (PEP 658 metadata) and checks its hash; `None` on 404.
    pub fn small(&self, url: &str, sha256: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        let (mut response, route) = self.get(url, &[])?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(route::status(url, &route, status));
        }
        let body = self.body(url, &route, &mut response, SMALL_LIMIT)?;
        if let Some(expected) = sha256 {
            let digest = hex(&Sha256::digest(&body));
            if !digest.eq_ignore_ascii_case(expected) {
                return Err(Error::HashMismatch {
                    url: url.to_string(),
                    expected: expected.to_string(),
                    actual: digest,
                    discarded: false,
                });
            }
        }
        Ok(Some(body))
    }

    /// What was sent and received so far.
    pub fn transfers(&self) -> Transfers {
        Transfers {
            requests: self.counters.requests.load(Ordering::Relaxed),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
            not_modified: self.counters.not_modified.load(Ordering::Relaxed),
        }
    }

    /// Makes every transfer stop at its next chunk once `flag` is set (by a Ctrl-C handler).
    pub fn set_cancel(&mut self, flag: Arc<AtomicBool>) {
        self.cancel = Some(flag);
    }
}

/// Why a body stopped before its end; `E` is why its sink refused bytes.
pub(crate) enum Stop<E> {
    Cancelled,
    TooLarge,
    Network(std::io::Error),
    Write(E),
}

/// A page's cache validators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What an answer says about itself.
#[derive(Clone, Debug)]
pub(crate) struct PageMeta {
    pub status: u16,
    pub content_type: String,
    pub validators: Validators,
    pub cache_control: String,
    pub age: u64,
}

pub(crate) enum PageAnswer {
    /// 200 with the body, or 404 (empty).
    Page(PageMeta, Vec<u8>),
    /// 304: the kept copy is still the page.
    NotModified(PageMeta),
}

/// Requests made and body bytes received by a [`Client`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfers {
    pub requests: u64,
    pub bytes: u64,
    /// Answers 304 (a kept page still current).
    pub not_modified: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    not_modified: AtomicU64,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
