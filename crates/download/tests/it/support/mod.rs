//! A package index on 127.0.0.1 for the index-client tests: test-support's index (PEP 503
//! pages written here, served by its `index_server.py`: ranges, revalidation, request and
//! byte logs).

use std::ops::Deref;
use std::path::Path;

pub use test_support::index::sha256_hex as sha256;
use test_support::index::{listed, Index, Listed};
pub use test_support::noise;
use test_support::WheelSpec;

pub struct Server(Index);

impl Deref for Server {
    type Target = Index;

    fn deref(&self) -> &Index {
        &self.0
    }
}

impl Server {
    /// Writes `projects` (each wheel with PEP 658 metadata when its flag says so) as PEP 503
    /// pages under `dir`, and serves them.
    pub fn new(dir: &Path, projects: &[(&str, Vec<(WheelSpec, bool)>)]) -> Server {
        let projects: Vec<(&str, Vec<Listed>)> = projects
            .iter()
            .map(|(name, wheels)| {
                let files = wheels
                    .iter()
                    .map(|(spec, metadata)| Listed {
                        metadata: *metadata,
                        ..listed(spec.clone())
                    })
                    .collect();
                (*name, files)
            })
            .collect();
        Server(Index::new(dir, &projects, false))
    }
}
