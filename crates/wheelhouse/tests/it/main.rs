//! The CLI's integration tests, in one binary (one link of the whole CLI instead of one per
//! file). Each module is one former test file; `common` holds what they share: the site
//! set-up (`common`), the package index (`common::index`), the staff tools' runner and
//! servers (`common::staff_cli`) and the headless browser (`common::browser`).

mod common;

mod avail_cli;
mod avail_golden;
mod cli_options;
mod closed_pipe;
mod docs_scripts;
mod doctor_cli;
mod doctor_modules;
mod download_cli;
mod download_policy;
mod download_proxy;
mod download_resolve;
mod download_sdists;
mod env_answers;
mod env_arg_cli;
mod env_cache;
mod env_cache_pyc;
mod env_catalog;
mod env_concurrency;
mod env_durability;
mod env_escapes;
mod env_index;
mod env_install;
mod env_kill;
mod env_lock;
mod env_lock_index;
mod env_lock_remembered;
mod env_lock_sources;
mod env_messages;
mod env_network_fs;
mod env_pip_choice;
mod env_pip_commands;
mod env_pip_parity;
mod env_rules;
mod env_safety;
mod env_sources;
mod env_sources_links;
mod help_examples;
mod jobs_cpus;
mod jobs_slurm;
mod jobs_venv;
mod modules_lmod;
mod modules_stack;
mod serve;
mod serve_load;
mod snapshots;
mod staff;
mod staff_escapes;
mod staff_index_files;
mod staff_install;
mod staff_json;
mod staff_resolve;
mod staff_views;
mod wheel_cli;
mod wheels_page;
