//! The HTTP side: pages and files over ureq, with the proxy and certificates the site
//! configures (pip's `proxy` and `cert`, `HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`), and
//! resumable downloads that are never visible under their final name until verified.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::Agent;

use crate::absolute;
use crate::route::{self, unreachable, Route, Target};
use crate::{Error, ErrorKind};

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
}

/// A page's body and content type.
pub struct Page {
    pub content_type: String,
    pub body: Vec<u8>,
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
                let pem = std::fs::read(path).map_err(|e| {
                    Error::new(
                        ErrorKind::Input,
                        format!(
                            "cannot read the certificate bundle {} (pip's `cert`, PIP_CERT or \
                             SSL_CERT_FILE): {e}",
                            path.display()
                        ),
                    )
                })?;
                let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Input,
                        format!("{} holds no PEM certificate", path.display()),
                    ));
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
                .timeout_global(Some(settings.timeout * 20))
                .http_status_as_error(false)
                .user_agent(concat!("wheelhouse/", env!("CARGO_PKG_VERSION")))
                .build()
        };
        let agent = |proxy: Option<&str>| -> Result<Agent, Error> {
            let proxy = match proxy {
                Some(p) => Some(ureq::Proxy::new(p).map_err(|e| {
                    Error::new(
                        ErrorKind::Input,
                        format!(
                            "the proxy {} is not usable ({e}): give it as \
                             http://HOST:PORT (HTTPS_PROXY, HTTP_PROXY or pip's `proxy`)",
                            route::redact(p)
                        ),
                    )
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
                    let agent = absolute::agent(config(None), p).map_err(|e| {
                        Error::new(
                            ErrorKind::Input,
                            format!(
                                "the proxy {p} is not usable ({e}): give it as http://HOST:PORT \
                                 (HTTP_PROXY or pip's `proxy`)"
                            ),
                        )
                    })?;
                    Some((agent, route::redact(p)))
                }
                _ => proxied(&settings.http_proxy)?,
            },
            no_proxy: settings.no_proxy.clone(),
            trust,
        })
    }

    /// The agent for a URL and how it goes: direct for loopback and `NO_PROXY` hosts, else
    /// through the scheme's proxy when there is one (pip's HTTP library does the same).
    fn agent(&self, url: &str) -> (&Agent, Route<'_>) {
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

    /// GETs a project page, asking for JSON first (PEP 691), HTML as the fallback. `None`
    /// when the index does not know the project (404).
    pub fn page(&self, url: &str) -> Result<Option<Page>, Error> {
        let (agent, route) = self.agent(url);
        let mut response = agent
            .get(url)
            .header(
                "Accept",
                "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
            )
            .call()
            .map_err(|e| unreachable(url, &route, e))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(route::status(url, &route, status));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = response
            .body_mut()
            .with_config()
            .limit(PAGE_LIMIT)
            .read_to_vec()
            .map_err(|e| unreachable(url, &route, e))?;
        Ok(Some(Page { content_type, body }))
    }

    /// Downloads `url` to `dest` through `DEST_DIR/.NAME.part`: resumed from where an earlier
    /// attempt stopped (HTTP Range), hashed, checked against `sha256` when the index gave
    /// one, and renamed into place only when whole. Returns whether it resumed.
    pub fn fetch(&self, url: &str, dest: &Path, sha256: Option<&str>) -> Result<bool, Error> {
        let name = dest.file_name().unwrap_or_default().to_string_lossy();
        let part = dest.with_file_name(format!(".{name}.part"));
        let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let (agent, route) = self.agent(url);
        let mut request = agent.get(url);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let mut response = request.call().map_err(|e| unreachable(url, &route, e))?;
        let status = response.status().as_u16();
        let resumed = status == 206 && have > 0;
        if status != 200 && !resumed {
            return Err(route::status(url, &route, status));
        }
        let io = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Io,
                format!("cannot {what} {}: {e}", part.display()),
            )
        };
        let mut hasher = Sha256::new();
        let mut file = if resumed {
            // The bytes we keep count towards the hash.
            let mut old = File::open(&part).map_err(|e| io("read", e))?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = old.read(&mut buf).map_err(|e| io("read", e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            OpenOptions::new()
                .append(true)
                .open(&part)
                .map_err(|e| io("open", e))?
        } else {
            File::create(&part).map_err(|e| io("create", e))?
        };
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = file.flush();
                    return Err(Error::new(
                        ErrorKind::Interrupted,
                        format!(
                            "the download of {url} stopped halfway ({e}); the part received is \
                             kept as {} and the same command resumes it",
                            part.display()
                        ),
                    ));
                }
            };
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n]).map_err(|e| io("write", e))?;
        }
        file.sync_all().map_err(|e| io("write", e))?;
        drop(file);
        let digest = hex(&hasher.finalize());
        if let Some(expected) = sha256 {
            if !digest.eq_ignore_ascii_case(expected) {
                let _ = std::fs::remove_file(&part);
                return Err(Error::new(
                    ErrorKind::Integrity,
                    format!(
                        "{url} does not match the sha256 the index gives (expected {expected}, \
                         got {digest}); nothing was saved. The index or a proxy altered it: try \
                         again, and tell the index's administrators if it persists"
                    ),
                ));
            }
        }
        std::fs::rename(&part, dest).map_err(|e| io("rename", e))?;
        Ok(resumed)
    }

    /// GETs a small file (PEP 658 metadata) and checks its hash.
    pub fn small(&self, url: &str, sha256: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        let Some(page) = self.page(url)? else {
            return Ok(None);
        };
        if let Some(expected) = sha256 {
            let digest = hex(&Sha256::digest(&page.body));
            if !digest.eq_ignore_ascii_case(expected) {
                return Err(Error::new(
                    ErrorKind::Integrity,
                    format!("{url} does not match the sha256 the index gives"),
                ));
            }
        }
        Ok(Some(page.body))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
