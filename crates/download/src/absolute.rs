//! Plain `http://` URLs through an HTTP proxy the way pip's HTTP library and curl send them:
//! a connection to the proxy and the request line in absolute form
//! (`GET http://host:port/path HTTP/1.1`). ureq only tunnels (`CONNECT host:port`), which
//! many site proxies refuse for any port but 443, so an `http://` mirror behind such a proxy
//! would be out of reach.

use std::fmt;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, TcpConnector, Transport,
};
use ureq::{Agent, Error};

/// An agent that sends every request to `proxy` (`http://HOST:PORT`, no credentials) in
/// absolute form.
pub(crate) fn agent(config: Config, proxy: &str) -> Result<Agent, Error> {
    let proxy: Uri = if proxy.contains("://") {
        proxy.parse()
    } else {
        format!("http://{proxy}").parse()
    }
    .map_err(|_| Error::InvalidProxyUrl)?;
    if proxy.host().is_none() {
        return Err(Error::InvalidProxyUrl);
    }
    let connector = ().chain(TcpConnector::default()).chain(AbsoluteForm);
    Ok(Agent::with_parts(
        config,
        connector,
        ToProxy {
            proxy,
            inner: DefaultResolver::default(),
        },
    ))
}

/// Resolves the proxy's name whatever the URL: the connection is always to the proxy, and
/// the proxy resolves the index's name (which this node may not even be able to).
#[derive(Debug)]
struct ToProxy {
    proxy: Uri,
    inner: DefaultResolver,
}

impl Resolver for ToProxy {
    fn resolve(
        &self,
        _uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        self.inner.resolve(&self.proxy, config, timeout)
    }
}

/// Wraps the connection to the proxy so request lines name the whole URL.
#[derive(Debug)]
struct AbsoluteForm;

impl<In: Transport> Connector<In> for AbsoluteForm {
    type Out = Absolute<In>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        let Some(inner) = chained else {
            return Ok(None);
        };
        let uri = details.uri;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::BadUri(uri.to_string()));
        };
        Ok(Some(Absolute {
            inner,
            origin: format!("{scheme}://{authority}").into_bytes(),
        }))
    }
}

/// The connection to the proxy; `origin` (`http://host:port`) goes before each request's
/// path.
struct Absolute<T> {
    inner: T,
    origin: Vec<u8>,
}

impl<T> fmt::Debug for Absolute<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Absolute").finish_non_exhaustive()
    }
}

impl<T: Transport> Transport for Absolute<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let out = self.inner.buffers().output();
        // A request head starts `METHOD /path`; the downloader only sends GETs, so
        // nothing else (a body) ever starts like that.
        let request_line = {
            let head = &out[..amount];
            head.iter().position(|b| *b == b' ').filter(|&sp| {
                sp > 0
                    && head[..sp].iter().all(u8::is_ascii_uppercase)
                    && head.get(sp + 1) == Some(&b'/')
            })
        };
        if let Some(sp) = request_line {
            let total = amount + self.origin.len();
            if total <= out.len() {
                out.copy_within(sp + 1..amount, sp + 1 + self.origin.len());
                out[sp + 1..sp + 1 + self.origin.len()].copy_from_slice(&self.origin);
                return self.inner.transmit_output(total, timeout);
            }
            return Err(Error::Io(std::io::Error::other(
                "request head too large for the proxy",
            )));
        }
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }
}
