//! Where `wheelhouse download` fetches from and how: pip's index options (`index-url`,
//! `extra-index-url`, `cert`, `proxy`, `timeout` from the config file's `[global]` and
//! `[download]`, then `PIP_*`, as pip layers them) and the system's proxy and certificate
//! variables, which pip's HTTP library also honours.

use std::path::{Path, PathBuf};

use crate::{Environment, IniFile, SiteConfig};

/// The public index, used when nothing names another.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple";

/// The network variables outside pip's own (`HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`...).
#[derive(Clone, Debug, Default)]
pub struct NetEnv {
    pub https_proxy: Option<String>,
    pub http_proxy: Option<String>,
    pub no_proxy: Vec<String>,
    /// `SSL_CERT_FILE`, else `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE`.
    pub cert_file: Option<PathBuf>,
}

impl NetEnv {
    pub fn from_env(env: &Environment) -> NetEnv {
        let either = |a: &str, b: &str| env.get(a).or_else(|| env.get(b)).map(str::to_string);
        NetEnv {
            https_proxy: either("HTTPS_PROXY", "https_proxy"),
            http_proxy: either("HTTP_PROXY", "http_proxy"),
            no_proxy: either("NO_PROXY", "no_proxy")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            cert_file: ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]
                .iter()
                .find_map(|v| env.get(v))
                .map(PathBuf::from),
        }
    }
}

/// What `download` uses, after layering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadSettings {
    pub index_url: String,
    pub extra_index_urls: Vec<String>,
    /// A PEM bundle of trusted certificates; `None` means the system's store.
    pub cert: Option<PathBuf>,
    /// The proxy for https URLs (pip's `proxy` wins over `HTTPS_PROXY`).
    pub https_proxy: Option<String>,
    pub http_proxy: Option<String>,
    pub no_proxy: Vec<String>,
    pub timeout_secs: u64,
}

impl SiteConfig {
    /// pip's download settings for this session. Bad config files are reported as in
    /// [`SiteConfig::pip_install_options`].
    pub fn download_settings(&self) -> Result<DownloadSettings, crate::ConfigError> {
        let mut values: Vec<(String, String)> = Vec::new();
        if let Some(config) = &self.pip_config_file {
            if config != Path::new("/dev/null") && config.exists() {
                let ini =
                    IniFile::read(config).map_err(|source| crate::ConfigError::PipConfig {
                        path: config.clone(),
                        source,
                    })?;
                for section in ["global", "download"] {
                    for key in ["index-url", "extra-index-url", "cert", "proxy", "timeout"] {
                        if let Some(v) = ini.get(section, key) {
                            values.push((key.to_string(), v.to_string()));
                        }
                    }
                }
            }
        }
        for key in ["index-url", "extra-index-url", "cert", "proxy", "timeout"] {
            let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
            if let Some((_, v)) = self.pip_env.iter().find(|(k, _)| *k == var) {
                values.push((key.to_string(), v.clone()));
            }
        }
        // Later layers win.
        let get = |key: &str| {
            values
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let proxy = get("proxy");
        Ok(DownloadSettings {
            index_url: get("index-url").unwrap_or_else(|| DEFAULT_INDEX_URL.to_string()),
            extra_index_urls: get("extra-index-url")
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            cert: get("cert")
                .map(PathBuf::from)
                .or_else(|| self.net.cert_file.clone()),
            https_proxy: proxy.clone().or_else(|| self.net.https_proxy.clone()),
            http_proxy: proxy.or_else(|| self.net.http_proxy.clone()),
            no_proxy: self.net.no_proxy.clone(),
            timeout_secs: get("timeout")
                .and_then(|t| t.trim().parse::<f64>().ok())
                .map(|t| t.max(1.0) as u64)
                .unwrap_or(15),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layering() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("pip.conf");
        std::fs::write(
            &conf,
            "[global]\nindex-url = http://a/simple\ntimeout = 3\n[download]\nextra-index-url = http://b/simple http://c/simple\n",
        )
        .unwrap();
        let site = |pairs: &[(&str, &str)]| {
            let mut all = vec![("PIP_CONFIG_FILE", conf.to_str().unwrap())];
            all.extend_from_slice(pairs);
            SiteConfig::from_env(&Environment::from_pairs(all))
        };
        let s = site(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "localhost, .internal"),
        ])
        .download_settings()
        .unwrap();
        assert_eq!(s.index_url, "http://a/simple");
        assert_eq!(s.extra_index_urls, ["http://b/simple", "http://c/simple"]);
        assert_eq!(s.timeout_secs, 3);
        assert_eq!(s.https_proxy.as_deref(), Some("http://proxy:3128"));
        assert_eq!(s.no_proxy, ["localhost", ".internal"]);
        let s = site(&[
            ("PIP_INDEX_URL", "http://d/simple"),
            ("PIP_PROXY", "http://p:1"),
        ])
        .download_settings()
        .unwrap();
        assert_eq!(s.index_url, "http://d/simple");
        assert_eq!(s.https_proxy.as_deref(), Some("http://p:1"));
        let none = SiteConfig::from_env(&Environment::default())
            .download_settings()
            .unwrap();
        assert_eq!(none.index_url, DEFAULT_INDEX_URL);
        assert_eq!(none.cert, None);
    }
}
