//! The installer's integration tests, one binary (as every crate's are).

mod checked_identity;
mod fill_pyc;
mod mutated_wheels;
mod staged_tree;
mod support;
