//! The download crate's integration tests, in one binary (one link instead of one per file),
//! as the CLI's are. Each module is one former test file; `support` holds what they share
//! (the package index on 127.0.0.1).

mod support;

mod index_source;
mod no_panic;
