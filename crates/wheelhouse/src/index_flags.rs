//! The package-index flags of `install`, `venv` and `stack build`.

/// Index options, flattened into each command that installs.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct IndexFlags {
    /// Also read this package index (PEP 503/691, e.g. https://pypi.org/simple) for the
    /// packages the wheelhouse lacks, instead of the pip configuration's index-url
    #[arg(short = 'i', long = "index-url", value_name = "URL")]
    pub index_url: Option<String>,
    /// Read this package index too, after the first; may be repeated
    #[arg(long = "extra-index-url", value_name = "URL")]
    pub extra_index_urls: Vec<String>,
    /// Read no package index: only the wheelhouse and -f directories (the default when no
    /// index is configured)
    #[arg(long)]
    pub no_index: bool,
    /// first-match: a package the wheelhouse has comes only from the wheelhouse, others from
    /// the first index listing them; best-match: pip's rule, the best version from any
    /// source
    #[arg(long, value_name = "STRATEGY", default_value = "first-match",
          value_parser = parse_strategy)]
    pub index_strategy: environment::IndexStrategy,
}

fn parse_strategy(text: &str) -> Result<environment::IndexStrategy, String> {
    environment::IndexStrategy::parse(text)
        .ok_or_else(|| format!("`{text}` is not an index strategy: give first-match or best-match"))
}

impl IndexFlags {
    /// The install's index options; `cancel` stops transfers (Ctrl-C).
    pub fn options(
        &self,
        cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    ) -> environment::IndexOptions {
        environment::IndexOptions {
            index_url: self.index_url.clone(),
            extra_index_urls: self.extra_index_urls.clone(),
            no_index: self.no_index,
            strategy: self.index_strategy,
            cancel,
        }
    }
}
