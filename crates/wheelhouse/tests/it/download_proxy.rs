//! `wheelhouse download` through a real forward proxy and over TLS with a site's own
//! certificate authority, all on 127.0.0.1: test-support's `index_server.py` serves the index
//! (over TLS with a certificate for the made-up host `index.wheelhouse.test`, signed by a CA
//! that openssl makes here), and `tests/it/common/proxy.py` is the site's proxy, which sends
//! every host name to 127.0.0.1 and logs each request line. The name resolves nowhere else,
//! so a download that succeeds went through the proxy, and one that bypasses it fails to
//! resolve the name.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::index::{certificates, listed, sha256, wheels_in, Index};
use crate::common::{stderr, Site, WheelSpec};
use test_support::index::ScriptServer;

const HOST: &str = "index.wheelhouse.test";
const WHEEL: &str = "six-1.17.0-py3-none-any.whl";

/// A Python helper server, killed when dropped.
/// A site with a one-project index (`six`), served over TLS or plain HTTP, and its proxy.
struct Net {
    site: Site,
    ca: PathBuf,
    index: Index,
    index_root: PathBuf,
    proxy: ScriptServer,
    proxy_log: PathBuf,
    https: bool,
}

impl Net {
    fn new(https: bool) -> Net {
        let site = Site::new();
        let index_root = site.path("index");
        let (ca, cert, key) = certificates(&site.path("tls"), HOST);
        let index = Index::serve(
            &index_root,
            &[("six", vec![listed(WheelSpec::pure("six", "1.17.0"))])],
            false,
            https.then_some((cert.as_path(), key.as_path())),
        );
        let proxy_log = site.path("proxy.log");
        let proxy = ScriptServer::start(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/common/proxy.py"),
            &[&proxy_log],
        );
        Net {
            site,
            ca,
            index,
            index_root,
            proxy,
            proxy_log,
            https,
        }
    }

    /// The index under a host name, on the index server's real port.
    fn url(&self, host: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{host}:{}/simple", self.index.server.port)
    }

    fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy.port)
    }

    /// The proxy's request lines so far.
    fn proxied(&self) -> String {
        std::fs::read_to_string(&self.proxy_log).unwrap_or_default()
    }

    /// The index server's request lines so far.
    fn served(&self) -> String {
        self.index.requests()
    }

    /// `wheelhouse download six -d DEST [ARGS…]` with `env`, nothing else of this machine's.
    fn download(&self, env: &[(&str, &str)], dest: &str, args: &[&str]) -> Output {
        let mut command = self.site.command(env!("CARGO_BIN_EXE_wheelhouse"));
        command.args(["download", "six", "-d", dest]).args(args);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    }

    /// Asserts the wheel arrived whole in `dest`, byte for byte the index's.
    fn assert_saved(&self, out: &Output, dest: &str) {
        assert!(
            out.status.success(),
            "{dest}: {}\nproxy: {}",
            stderr(out),
            self.proxied()
        );
        assert_eq!(wheels_in(&self.site.path(dest)), [WHEEL], "{dest}");
        assert_eq!(
            sha256(&self.site.path(dest).join(WHEEL)),
            sha256(&self.index_root.join("files").join(WHEEL))
        );
    }

    /// Asserts a failure with the network exit code, one paragraph, nothing in `dest`.
    fn assert_failed(&self, out: &Output, dest: &str) -> String {
        let err = stderr(out);
        assert_eq!(out.status.code(), Some(3), "{dest}: {err}");
        assert!(out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("Saved"));
        assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
        assert!(wheels_in(&self.site.path(dest)).is_empty(), "{dest}: {err}");
        err
    }
}

#[test]
fn https_index_through_the_proxy_with_the_sites_ca_from_the_environment() {
    let net = Net::new(true);
    let url = net.url(HOST);
    let proxy = net.proxy_url();
    let ca = net.ca.to_str().unwrap();
    for (n, var) in ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT"]
        .iter()
        .enumerate()
    {
        let https_proxy = if n == 1 { "https_proxy" } else { "HTTPS_PROXY" };
        let out = net.download(
            &[(https_proxy, &proxy), (var, ca)],
            var,
            &["--index-url", &url],
        );
        net.assert_saved(&out, var);
    }
    let tunnels = format!("CONNECT {HOST}:{} HTTP/1.1", net.index.server.port);
    assert!(
        net.proxied().lines().filter(|l| *l == tunnels).count() >= 3,
        "{}",
        net.proxied()
    );
    assert!(net.served().contains(&format!("GET /files/{WHEEL}")));
}

#[test]
fn https_index_through_the_proxy_from_the_pip_config_file() {
    let net = Net::new(true);
    // The site's pip configuration, with the index, its CA and the proxy in [global] as a
    // site writes them; nothing in the environment.
    let conf = net.site.path("pip-site.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\nindex-url = {}\ncert = {}\nproxy = {}\ntimeout = 5\n",
            net.url(HOST),
            net.ca.display(),
            net.proxy_url()
        ),
    )
    .unwrap();
    let out = net.download(&[("PIP_CONFIG_FILE", conf.to_str().unwrap())], "w", &[]);
    net.assert_saved(&out, "w");
    assert!(
        net.proxied()
            .contains(&format!("CONNECT {HOST}:{} ", net.index.server.port)),
        "{}",
        net.proxied()
    );
    // The config file's settings win: SSL_CERT_FILE naming the system's bundle does not
    // override pip's own `cert`, nor HTTPS_PROXY (a closed port) its `proxy`.
    let out = net.download(
        &[
            ("PIP_CONFIG_FILE", conf.to_str().unwrap()),
            ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ],
        "w2",
        &[],
    );
    net.assert_saved(&out, "w2");
}

#[test]
fn a_certificate_the_site_does_not_trust_is_refused_clearly() {
    let net = Net::new(true);
    let proxy = net.proxy_url();
    // No CA given: the system's bundle does not know the test CA.
    let out = net.download(
        &[("HTTPS_PROXY", &proxy)],
        "a",
        &["--index-url", &net.url(HOST)],
    );
    let err = net.assert_failed(&out, "a");
    assert!(
        err.contains(HOST)
            && err.contains("certificate")
            && err.contains("`cert`")
            && err.contains("SSL_CERT_FILE"),
        "{err}"
    );
    // The tunnel was made: the refusal is the certificate's, not the proxy's.
    assert!(net.proxied().contains("CONNECT"), "{}", net.proxied());
    assert!(!net.served().contains("GET"), "{}", net.served());
    // The right CA, the wrong name: the certificate is for index.wheelhouse.test only.
    let other = "mirror.wheelhouse.test";
    let out = net.download(
        &[
            ("HTTPS_PROXY", &proxy),
            ("SSL_CERT_FILE", net.ca.to_str().unwrap()),
        ],
        "b",
        &["--index-url", &net.url(other)],
    );
    let err = net.assert_failed(&out, "b");
    assert!(
        err.contains(&format!("certificate is not valid for the name {other}")),
        "{err}"
    );
    // A bundle that is not there is named.
    let out = net.download(
        &[
            ("HTTPS_PROXY", &proxy),
            ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
        ],
        "c",
        &["--index-url", &net.url(HOST)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/ca.pem"),
        "{}",
        stderr(&out)
    );
    assert!(wheels_in(&net.site.path("c")).is_empty());
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    let net = Net::new(true);
    let url = net.url(HOST);
    let proxy = net.proxy_url();
    let ca = net.ca.to_str().unwrap();
    // Matching entries, as curl reads them: the host, a domain with or
    // without its leading dot or `*.`, any case, among others, with the port, or `*`.
    let port_entry = format!("{HOST}:{}", net.index.server.port);
    for (n, no_proxy) in [
        HOST,
        ".wheelhouse.test",
        "wheelhouse.test",
        "*.wheelhouse.test",
        "INDEX.Wheelhouse.TEST",
        "localhost, other.test ,.wheelhouse.test",
        &port_entry,
        "*",
    ]
    .iter()
    .enumerate()
    {
        let before = net.proxied();
        let var = if n == 2 { "no_proxy" } else { "NO_PROXY" };
        let dest = format!("d{n}");
        let out = net.download(
            &[
                ("HTTPS_PROXY", &proxy),
                ("SSL_CERT_FILE", ca),
                (var, no_proxy),
            ],
            &dest,
            &["--index-url", &url],
        );
        // Reached directly, the made-up name resolves nowhere.
        let err = net.assert_failed(&out, &dest);
        assert!(
            err.contains(&format!("cannot resolve the host name {HOST}")),
            "NO_PROXY={no_proxy}: {err}"
        );
        assert_eq!(net.proxied(), before, "NO_PROXY={no_proxy} used the proxy");
    }
    // Entries that do not match: through the proxy, and it works.
    let other_port = format!("{HOST}:1");
    for (n, no_proxy) in [
        "house.test",
        "mirror.wheelhouse.test",
        "wheelhouse.test.org",
        &other_port,
    ]
    .iter()
    .enumerate()
    {
        let dest = format!("p{n}");
        let before = net.proxied().lines().count();
        let out = net.download(
            &[
                ("HTTPS_PROXY", &proxy),
                ("SSL_CERT_FILE", ca),
                ("NO_PROXY", no_proxy),
            ],
            &dest,
            &["--index-url", &url],
        );
        net.assert_saved(&out, &dest);
        let tunnel = format!("CONNECT {HOST}:{} HTTP/1.1", net.index.server.port);
        let log = net.proxied();
        assert!(
            log.lines().skip(before).any(|l| l == tunnel),
            "NO_PROXY={no_proxy}: {log}"
        );
    }
}

#[test]
fn plain_http_index_through_http_proxy() {
    let net = Net::new(false);
    let url = net.url(HOST);
    let proxy = net.proxy_url();
    let out = net.download(&[("HTTP_PROXY", &proxy)], "a", &["--index-url", &url]);
    net.assert_saved(&out, "a");
    // Absolute-form requests, as pip and curl send them to a proxy for http:// URLs (many
    // site proxies refuse CONNECT to any port but 443).
    // (The wheel twice: a range request for its METADATA, then the file.)
    let origin = format!("http://{HOST}:{}", net.index.server.port);
    let file = format!("GET {origin}/files/{WHEEL} HTTP/1.1\n");
    assert_eq!(
        net.proxied(),
        format!("GET {origin}/simple/six/ HTTP/1.1\n{file}{file}")
    );
    assert!(net.served().contains(&format!("GET /files/{WHEEL}")));
    // The same from pip's `proxy` setting, in lower case `http_proxy`, and without a scheme.
    let conf = net.site.path("pip-proxy.conf");
    std::fs::write(&conf, format!("[global]\nproxy = {proxy}\n")).unwrap();
    let bare = format!("127.0.0.1:{}", net.proxy.port);
    for (dest, env) in [
        ("b", ("PIP_CONFIG_FILE", conf.to_str().unwrap())),
        ("c", ("http_proxy", proxy.as_str())),
        ("d", ("HTTP_PROXY", bare.as_str())),
    ] {
        let before = net.proxied().lines().count();
        let out = net.download(&[env], dest, &["--index-url", &url]);
        net.assert_saved(&out, dest);
        assert_eq!(net.proxied().lines().count(), before + 2, "{dest}");
    }
    // A proxy with credentials is tunnelled to (ureq sends them with CONNECT).
    let with_user = format!("http://user:pw@127.0.0.1:{}", net.proxy.port);
    let out = net.download(&[("HTTP_PROXY", &with_user)], "e", &["--index-url", &url]);
    net.assert_saved(&out, "e");
    assert!(
        net.proxied().contains(&format!(
            "CONNECT {HOST}:{} HTTP/1.1",
            net.index.server.port
        )),
        "{}",
        net.proxied()
    );
    // The proxy refusing the host answers for it: said so, with the proxy named.
    let blocked = format!(
        "http://blocked.wheelhouse.test:{}/simple",
        net.index.server.port
    );
    let out = net.download(&[("HTTP_PROXY", &proxy)], "f", &["--index-url", &blocked]);
    let err = net.assert_failed(&out, "f");
    assert!(
        err.contains(&format!(
            "HTTP 403 for {blocked}/six/ through the proxy {proxy}"
        )),
        "{err}"
    );
    // HTTPS_PROXY alone is for https:// URLs: an http:// index goes direct, as with pip.
    let before = net.proxied();
    let out = net.download(&[("HTTPS_PROXY", &proxy)], "g", &["--index-url", &url]);
    let err = net.assert_failed(&out, "g");
    assert!(
        err.contains(&format!("cannot resolve the host name {HOST}")),
        "{err}"
    );
    assert_eq!(net.proxied(), before);
}

#[test]
fn a_proxy_that_refuses_is_named() {
    let net = Net::new(true);
    let ca = net.ca.to_str().unwrap();
    let url = net.url(HOST);
    // A port nobody listens on: bound by the OS, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://user:s3cret@127.0.0.1:{closed}");
    let out = net.download(
        &[("HTTPS_PROXY", &dead), ("SSL_CERT_FILE", ca)],
        "a",
        &["--index-url", &url],
    );
    let err = net.assert_failed(&out, "a");
    assert!(
        err.contains(&format!("the proxy http://127.0.0.1:{closed}"))
            && err.contains("refused")
            && err.contains("HTTPS_PROXY"),
        "{err}"
    );
    assert!(
        !err.contains("s3cret"),
        "the password is never printed: {err}"
    );
    // A proxy that answers but will not tunnel to the host.
    let blocked = "blocked.wheelhouse.test";
    let out = net.download(
        &[("HTTPS_PROXY", &net.proxy_url()), ("SSL_CERT_FILE", ca)],
        "b",
        &["--index-url", &net.url(blocked)],
    );
    let err = net.assert_failed(&out, "b");
    assert!(
        err.contains(&format!(
            "the proxy {} would not open a connection to {blocked}",
            net.proxy_url()
        )) && err.contains("HTTP 403"),
        "{err}"
    );
}

/// Distinct `METHOD TARGET` of the proxy's request lines after the first `skip`.
fn request_targets(log: &str, skip: usize) -> std::collections::BTreeSet<String> {
    log.lines()
        .skip(skip)
        .map(|l| {
            l.rsplit_once(' ')
                .map_or(l, |(head, _version)| head)
                .to_string()
        })
        .collect()
}

#[test]
fn pip_goes_the_same_way_through_the_proxy() {
    // The fixture is realistic: stock pip (24.2, `.tools/venv`) with the same settings makes
    // the same requests of the proxy as we do, https and http.
    for https in [true, false] {
        let net = Net::new(https);
        let url = net.url(HOST);
        let proxy = net.proxy_url();
        let ca = net.ca.to_str().unwrap();
        let (proxy_var, proxy_env) = if https {
            ("HTTPS_PROXY", &proxy)
        } else {
            ("HTTP_PROXY", &proxy)
        };
        let out = net.download(
            &[(proxy_var, proxy_env), ("SSL_CERT_FILE", ca)],
            "ours",
            &["--index-url", &url],
        );
        net.assert_saved(&out, "ours");
        let ours = request_targets(&net.proxied(), 0);
        let skip = net.proxied().lines().count();
        let out = net
            .site
            .command(test_support::tools_python())
            .args(["-m", "pip", "download", "six", "--no-deps", "-d", "pips"])
            .args(["--index-url", &url, "--cert", ca, "--trusted-host", HOST])
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env(proxy_var, proxy_env)
            .output()
            .unwrap();
        net.assert_saved(&out, "pips");
        let pips = request_targets(&net.proxied(), skip);
        assert_eq!(ours, pips, "https={https}: {}", net.proxied());
        let expected = if https { 1 } else { 2 };
        assert_eq!(ours.len(), expected, "{ours:?}");
    }
}
