//! The build frontend's integration tests, in one binary (one link instead of one per file).
//! Each module is one former test file; `support` holds what they share: real venv + pip
//! build environments from the backend wheels of `scripts/build-test-setup.sh`, project
//! writers and archive makers.

mod support;

mod backends;
mod builds;
mod hostile_sdists;
mod mutated_sdists;
