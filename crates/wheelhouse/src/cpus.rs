//! `wheelhouse cpus`: the number of cores this task may use, for `multiprocessing.Pool(...)`,
//! `make -j` and the like. The number is `site_config::SiteConfig::job_cpus`, the same one the
//! installer sizes its threads with.

use clap::Args;
use site_config::{ProcessVars, SiteConfig};

#[derive(Args)]
pub struct CpusArgs {
    /// Also say where the number came from (Slurm, the cgroup quota or the affinity mask).
    #[arg(long)]
    explain: bool,
}

pub fn run(args: CpusArgs) -> i32 {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let cpus = site.job_cpus_explained();
    if args.explain {
        out!("{cpus}");
    } else {
        outln!("{}", cpus.count);
    }
    0
}
