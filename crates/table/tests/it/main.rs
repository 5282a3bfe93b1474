//! The table's integration tests, in one binary (one link instead of one per file). Each
//! module is one former test file; `common` holds the comparison with tabulate's output that
//! the hand-written examples share.

mod common;

mod against_tabulate;
mod behaviour;
mod formats;
mod no_panic;
