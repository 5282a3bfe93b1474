//! Which way a URL goes (through the proxy or direct, as `NO_PROXY` says) and, when it
//! fails, an explanation that names the part at fault: the host name, the proxy, or the
//! certificate and the bundle it was checked against.

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::Error;

/// A URL's scheme, lower-cased host (brackets stripped from IPv6) and port.
pub(crate) struct Target<'a> {
    pub scheme: &'a str,
    pub host: String,
    pub port: u16,
}

impl<'a> Target<'a> {
    pub fn parse(url: &'a str) -> Target<'a> {
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // Credentials in the URL are not part of the host.
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match host_port.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((h, p)) if !h.starts_with('[') || h.ends_with(']') => (h, p.parse().ok()),
            _ => (host_port, None),
        };
        let default = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        Target {
            scheme,
            host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
            port: port.unwrap_or(default),
        }
    }

    /// `localhost`, 127.0.0.0/8 or ::1: always direct (a name such as `127.example.org` is
    /// not).
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether a `NO_PROXY` list names this host, as curl reads it (pip's HTTP library is
    /// looser: any suffix, so `house.org` also covers `warehouse.org` there):
    /// `*` for every host; a name matching the host or any domain above it (`example.org`,
    /// `.example.org` and `*.example.org` all cover `pypi.example.org`), in any case, with an
    /// optional `:port`; an IPv4 address or network (`10.0.0.0/8`).
    pub fn bypasses(&self, no_proxy: &[String]) -> bool {
        no_proxy.iter().any(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                return match (net.parse::<Ipv4Addr>(), bits.parse::<u32>(), self.ipv4()) {
                    (Ok(net), Ok(bits @ 0..=32), Some(ip)) => {
                        let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                        u32::from(net) & mask == u32::from(ip) & mask
                    }
                    _ => false,
                };
            }
            let (name, port) = match entry.rsplit_once(':') {
                Some((n, p))
                    if (!n.contains(':') || (n.starts_with('[') && n.ends_with(']')))
                        && p.parse::<u16>().is_ok() =>
                {
                    (n, p.parse::<u16>().ok())
                }
                _ => (entry.as_str(), None),
            };
            let name = name
                .trim_start_matches('*')
                .trim_start_matches('.')
                .trim_matches(['[', ']']);
            !name.is_empty()
                && port.is_none_or(|p| p == self.port)
                && (self.host == name
                    || self
                        .host
                        .strip_suffix(name)
                        .is_some_and(|above| above.ends_with('.')))
        })
    }

    fn ipv4(&self) -> Option<Ipv4Addr> {
        self.host.parse().ok()
    }
}

/// A proxy URL as it can be printed: without its user name and password.
pub(crate) fn redact(proxy: &str) -> String {
    let (scheme, rest) = match proxy.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, proxy),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match scheme {
        Some(s) => format!("{s}://{host}{path}"),
        None => format!("{host}{path}"),
    }
}

/// How a request went: the proxy used (printable), and the certificates trusted.
pub(crate) struct Route<'a> {
    pub proxy: Option<&'a str>,
    pub trust: &'a str,
}

/// The error for a request to `url` that got no answer, with the part at fault named.
pub(crate) fn unreachable(url: &str, route: &Route<'_>, e: ureq::Error) -> Error {
    Error::Unreachable {
        url: url.to_string(),
        fault: Box::new(fault(url, route, &e)),
        index: None,
        source: Arc::new(e),
    }
}

/// Which part kept `url` from answering: the certificate, the proxy, the host name, or
/// something else.
fn fault(url: &str, route: &Route<'_>, e: &ureq::Error) -> Fault {
    let target = Target::parse(url);
    let host = target.host.clone();
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let proxy_var = if target.scheme.eq_ignore_ascii_case("https") {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    let refused =
        matches!(e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
    let lookup = matches!(e, ureq::Error::HostNotFound)
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known");
    if lower.contains("certificate") {
        let trust = route.trust.to_string();
        let problem = if lower.contains("notvalidforname") || lower.contains("not valid for name") {
            CertificateProblem::WrongName { host }
        } else if lower.contains("expired") {
            CertificateProblem::Expired
        } else if lower.contains("unknownissuer") {
            CertificateProblem::UnknownIssuer { trust }
        } else {
            CertificateProblem::Refused { text, trust }
        };
        return Fault::Certificate(problem);
    }
    if let Some(proxy) = route.proxy {
        let proxy = proxy.to_string();
        return if let ureq::Error::ConnectProxyFailed(reason) = e {
            // ureq says "proxy server responded 403/403": the status is what matters.
            let answer = match reason.strip_prefix("proxy server responded ") {
                Some(status) => format!(
                    "it answered HTTP {}",
                    status.split('/').next().unwrap_or(status)
                ),
                None => reason.clone(),
            };
            Fault::ProxyWouldNotConnect {
                proxy,
                proxy_var,
                host,
                port: target.port,
                answer,
            }
        } else if refused {
            Fault::ProxyRefused { proxy, proxy_var }
        } else if lookup {
            Fault::ProxyNameUnknown { proxy, proxy_var }
        } else {
            Fault::Proxy {
                proxy,
                proxy_var,
                text,
            }
        };
    }
    if lookup {
        Fault::HostNameUnknown { host, proxy_var }
    } else {
        Fault::Other { text, proxy_var }
    }
}

/// Why a request got no answer: the part at fault, as [`Error::Unreachable`] names it (with
/// what to check). `proxy_var` is the variable that sets the proxy for the URL's scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The server's certificate was not accepted.
    Certificate(CertificateProblem),
    /// The proxy answered, but would not open a connection to `host`:`port`.
    ProxyWouldNotConnect {
        proxy: String,
        proxy_var: &'static str,
        host: String,
        port: u16,
        answer: String,
    },
    /// Nothing listens at the proxy's address.
    ProxyRefused {
        proxy: String,
        proxy_var: &'static str,
    },
    /// The proxy's host name does not resolve.
    ProxyNameUnknown {
        proxy: String,
        proxy_var: &'static str,
    },
    /// Another failure through the proxy (`text`: the HTTP client's).
    Proxy {
        proxy: String,
        proxy_var: &'static str,
        text: String,
    },
    /// The index's host name does not resolve (no proxy was used).
    HostNameUnknown {
        host: String,
        proxy_var: &'static str,
    },
    /// Anything else (`text`: the HTTP client's), without a proxy.
    Other {
        text: String,
        proxy_var: &'static str,
    },
}

/// What was wrong with a server's certificate; `trust` names the certificates it was checked
/// against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    WrongName {
        host: String,
    },
    Expired,
    UnknownIssuer {
        trust: String,
    },
    /// Refused for another reason (`text`: the TLS library's).
    Refused {
        text: String,
        trust: String,
    },
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateProblem::WrongName { host } => {
                write!(
                    f,
                    "the server's certificate is not valid for the name {host}"
                )
            }
            CertificateProblem::Expired => {
                f.write_str("the server's certificate has expired (or this node's clock is wrong)")
            }
            CertificateProblem::UnknownIssuer { trust } => write!(
                f,
                "the server's certificate is signed by an authority not in {trust}"
            ),
            CertificateProblem::Refused { text, trust } => write!(
                f,
                "the server's certificate was refused ({text}), checked against {trust}"
            ),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check = |proxy_var: &str| {
            format!(
                "Check the proxy ({proxy_var}, or pip's `proxy` setting), or list the index's \
                 host in NO_PROXY if it is reached without one"
            )
        };
        match self {
            Fault::Certificate(problem) => write!(
                f,
                "{problem}. If the site uses its own certificate authority, give its PEM bundle \
                 with pip's `cert` setting (the pip configuration file or PIP_CERT) or \
                 SSL_CERT_FILE; if the name is wrong, check the address (--index-url, \
                 PIP_INDEX_URL or the pip configuration)"
            ),
            Fault::ProxyWouldNotConnect {
                proxy,
                proxy_var,
                host,
                port,
                answer,
            } => write!(
                f,
                "the proxy {proxy} would not open a connection to {host}:{port} ({answer}). {}",
                check(proxy_var)
            ),
            Fault::ProxyRefused { proxy, proxy_var } => write!(
                f,
                "the proxy {proxy} refused the connection (nothing listens there). {}",
                check(proxy_var)
            ),
            Fault::ProxyNameUnknown { proxy, proxy_var } => write!(
                f,
                "cannot resolve the proxy's host name ({proxy}). {}",
                check(proxy_var)
            ),
            Fault::Proxy {
                proxy,
                proxy_var,
                text,
            } => write!(f, "through the proxy {proxy}: {text}. {}", check(proxy_var)),
            Fault::HostNameUnknown { host, proxy_var } => write!(
                f,
                "cannot resolve the host name {host} (no proxy was used for it). Check the \
                 address (--index-url, PIP_INDEX_URL or the pip configuration); if this site \
                 reaches the outside through a proxy, set {proxy_var} (or pip's `proxy` \
                 setting) and make sure NO_PROXY does not list {host}; compute nodes often have \
                 no network at all: download on a login node"
            ),
            Fault::Other { text, proxy_var } => write!(
                f,
                "{text}. Check the address (--index-url, PIP_INDEX_URL or the pip \
                 configuration), the network from this node (compute nodes often have none: \
                 download on a login node), and the proxy ({proxy_var}, or pip's `proxy` \
                 setting)"
            ),
        }
    }
}

/// A body that stopped halfway (the connection closed or timed out).
pub(crate) fn unreachable_io(url: &str, route: &Route<'_>, e: std::io::Error) -> Error {
    Error::StoppedHalfway {
        url: url.to_string(),
        proxy: route.proxy.map(str::to_string),
        index: None,
        source: Arc::new(e),
    }
}

/// An answer other than the page or file: from the index, or from the proxy in its name.
pub(crate) fn status(url: &str, route: &Route<'_>, status: u16) -> Error {
    Error::Status {
        url: url.to_string(),
        status,
        proxy: route.proxy.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// URLs and `NO_PROXY` lists come from users and configuration files: never a panic.
        #[test]
        fn routing_never_panics(url in ".{0,60}", list in ".{0,60}") {
            let _ = bypass(&url, &list);
            let target = Target::parse(&url);
            let _ = target.is_loopback();
        }
    }

    fn bypass(url: &str, no_proxy: &str) -> bool {
        let list: Vec<String> = no_proxy.split(',').map(str::to_string).collect();
        Target::parse(url).bypasses(&list)
    }

    #[test]
    fn no_proxy_entries() {
        let url = "https://Pypi.Example.org:8443/simple/";
        for yes in [
            "pypi.example.org",
            "example.org",
            ".example.org",
            "*.example.org",
            "EXAMPLE.ORG",
            " other, example.org ",
            "pypi.example.org:8443",
            "*",
        ] {
            assert!(bypass(url, yes), "{yes}");
        }
        for no in [
            "ample.org",
            "pypi.example.org:443",
            "example.org.uk",
            "other.example.org",
            "",
            ".",
        ] {
            assert!(!bypass(url, no), "{no}");
        }
        assert!(bypass("http://10.1.2.3/simple", "10.0.0.0/8"));
        assert!(!bypass("http://11.1.2.3/simple", "10.0.0.0/8"));
        assert!(bypass("http://10.1.2.3/simple", "0.0.0.0/0"));
        assert!(bypass("http://[fd00::1]:81/", "fd00::1"));
        assert!(bypass("http://user:pw@host.test/", "host.test"));
    }

    #[test]
    fn targets() {
        let t = Target::parse("https://[::1]/simple");
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        assert!(t.is_loopback());
        let t = Target::parse("http://127.0.0.1:8080/x");
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 8080));
        assert!(t.is_loopback());
        assert!(!Target::parse("http://localhost.example.org/").is_loopback());
        assert!(!Target::parse("http://127.example.org/").is_loopback());
        assert!(Target::parse("http://LOCALHOST:8080/").is_loopback());
    }

    /// The explanations, word for word as printed before the fault was typed.
    #[test]
    fn faults_name_what_to_check() {
        let route = Route {
            proxy: Some("http://proxy:3128"),
            trust: "the system's bundle /etc/ssl/certs/ca-certificates.crt",
        };
        let url = "https://pypi.example.org/simple/numpy/";
        let refused = ureq::Error::ConnectProxyFailed("proxy server responded 403/403".into());
        assert_eq!(
            fault(url, &route, &refused).to_string(),
            "the proxy http://proxy:3128 would not open a connection to pypi.example.org:443 (it \
             answered HTTP 403). Check the proxy (HTTPS_PROXY, or pip's `proxy` setting), or \
             list the index's host in NO_PROXY if it is reached without one"
        );
        let direct = Route {
            proxy: None,
            ..route
        };
        let unknown = fault(
            "http://nowhere.test/simple/",
            &direct,
            &ureq::Error::HostNotFound,
        );
        assert_eq!(
            unknown,
            Fault::HostNameUnknown {
                host: "nowhere.test".into(),
                proxy_var: "HTTP_PROXY",
            }
        );
        assert_eq!(
            unknown.to_string(),
            "cannot resolve the host name nowhere.test (no proxy was used for it). Check the \
             address (--index-url, PIP_INDEX_URL or the pip configuration); if this site reaches \
             the outside through a proxy, set HTTP_PROXY (or pip's `proxy` setting) and make \
             sure NO_PROXY does not list nowhere.test; compute nodes often have no network at \
             all: download on a login node"
        );
        let issuer = Fault::Certificate(CertificateProblem::UnknownIssuer {
            trust: "the bundle /site/ca.pem".into(),
        });
        assert_eq!(
            issuer.to_string(),
            "the server's certificate is signed by an authority not in the bundle /site/ca.pem. \
             If the site uses its own certificate authority, give its PEM bundle with pip's \
             `cert` setting (the pip configuration file or PIP_CERT) or SSL_CERT_FILE; if the \
             name is wrong, check the address (--index-url, PIP_INDEX_URL or the pip \
             configuration)"
        );
    }

    #[test]
    fn redacts_credentials() {
        assert_eq!(redact("http://u:p@proxy:3128"), "http://proxy:3128");
        assert_eq!(redact("u:p@proxy:3128/x@y"), "proxy:3128/x@y");
        assert_eq!(redact("http://proxy:3128"), "http://proxy:3128");
    }
}
