//! Where package indexes are read from and how: pip's index options (`index-url`,
//! `extra-index-url`, `no-index`, `cert`, `proxy`, `timeout` from the config file's
//! `[global]` and the command's section (`[download]`, `[install]`), then `PIP_*`, as pip
//! layers them) and the system's proxy and certificate variables, which pip's HTTP library
//! also honours.

use std::path::{Path, PathBuf};

use crate::{IniFile, ProcessVars, SiteConfig};

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
    pub fn from_env(env: &ProcessVars) -> NetEnv {
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

/// What an index client uses, after layering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadSettings {
    pub index_url: String,
    /// Where `index_url` came from (`PIP_INDEX_URL`, the configuration file's path); `None`
    /// for the public default, which a cluster command may choose not to use unasked.
    pub index_url_from: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// pip's `no-index` (`PIP_NO_INDEX`): no index at all.
    pub no_index: bool,
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
        self.index_settings("download")
    }

    /// pip's index and network settings for a command whose configuration section is
    /// `section` (`download`, `install`, `wheel`): `[global]`, then `[section]`, then `PIP_*`.
    pub fn index_settings(&self, section: &str) -> Result<DownloadSettings, crate::ConfigError> {
        const KEYS: [&str; 6] = [
            "index-url",
            "extra-index-url",
            "no-index",
            "cert",
            "proxy",
            "timeout",
        ];
        // (key, value, where from)
        let mut values: Vec<(String, String, String)> = Vec::new();
        if let Some(config) = &self.pip_config_file {
            if config != Path::new("/dev/null") && config.exists() {
                let ini =
                    IniFile::read(config).map_err(|source| crate::ConfigError::PipConfig {
                        path: config.clone(),
                        source,
                    })?;
                for section in ["global", section] {
                    for key in KEYS {
                        if let Some(v) = ini.get(section, key) {
                            let from = config.display().to_string();
                            values.push((key.to_string(), v.to_string(), from));
                        }
                    }
                }
            }
        }
        for key in KEYS {
            let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
            if let Some((_, v)) = self.pip_env.iter().find(|(k, _)| *k == var) {
                values.push((key.to_string(), v.clone(), var));
            }
        }
        // Later layers win.
        let layer = |key: &str| values.iter().rev().find(|(k, _, _)| k == key);
        let get = |key: &str| layer(key).map(|(_, v, _)| v.clone());
        let proxy = get("proxy");
        Ok(DownloadSettings {
            index_url: get("index-url").unwrap_or_else(|| DEFAULT_INDEX_URL.to_string()),
            index_url_from: layer("index-url").map(|(_, _, from)| from.clone()),
            extra_index_urls: get("extra-index-url")
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            no_index: get("no-index").is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            }),
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
            SiteConfig::from_env(&ProcessVars::from_pairs(all))
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
        let none = SiteConfig::from_env(&ProcessVars::default())
            .download_settings()
            .unwrap();
        assert_eq!(none.index_url, DEFAULT_INDEX_URL);
        assert_eq!(none.index_url_from, None);
        assert!(!none.no_index);
        assert_eq!(none.cert, None);
    }

    #[test]
    fn sections_and_no_index() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("pip.conf");
        std::fs::write(
            &conf,
            "[install]\nindex-url = http://i/simple\nno-index = true\n[download]\nindex-url = http://d/simple\n",
        )
        .unwrap();
        let site = |pairs: &[(&str, &str)]| {
            let mut all = vec![("PIP_CONFIG_FILE", conf.to_str().unwrap())];
            all.extend_from_slice(pairs);
            SiteConfig::from_env(&ProcessVars::from_pairs(all))
        };
        let install = site(&[]).index_settings("install").unwrap();
        assert_eq!(install.index_url, "http://i/simple");
        assert_eq!(install.index_url_from.as_deref(), conf.to_str());
        assert!(install.no_index);
        let download = site(&[]).download_settings().unwrap();
        assert_eq!(download.index_url, "http://d/simple");
        assert!(!download.no_index);
        let env = site(&[
            ("PIP_NO_INDEX", "0"),
            ("PIP_EXTRA_INDEX_URL", "http://x/simple"),
        ])
        .index_settings("install")
        .unwrap();
        assert!(!env.no_index);
        assert_eq!(env.extra_index_urls, ["http://x/simple"]);
    }
}
