//! What a batch job and the user's shell say about where a command runs: the Slurm variables
//! the job commands read (`SLURMD_NODENAME`, `SLURM_STEP_ID`, `SLURM_JOB_ID`,
//! `SLURM_TMPDIR`) and the variables `doctor` checks for hand edits (`PYTHONPATH`, the `PATH`
//! saved by `activate`).

use std::path::PathBuf;

use crate::ProcessVars;

/// The job and shell variables, read once.
#[derive(Clone, Debug, Default)]
pub struct JobEnv {
    /// `SLURM_JOB_ID`: set inside any job (batch script or step).
    pub job_id: Option<String>,
    /// `SLURM_STEP_ID`: set inside an `srun` step, where several nodes print at once.
    pub step_id: Option<String>,
    /// `SLURMD_NODENAME`: the node this task runs on.
    pub node_name: Option<String>,
    /// `SLURM_TMPDIR`: the job's directory on the node's local disk (a site prolog sets it).
    pub tmpdir: Option<PathBuf>,
    /// `PYTHONPATH`, split (empty entries dropped).
    pub pythonpath: Vec<PathBuf>,
    /// `_OLD_VIRTUAL_PATH`: the `PATH` before `activate` ran.
    pub path_before_activate: Option<String>,
    /// `_LMFILES_`: the modulefiles of the loaded modules, as Lmod (and Environment Modules)
    /// record them, to tell a module's `PYTHONPATH` entry from one set by hand.
    pub loaded_modulefiles: Vec<PathBuf>,
    /// `SLURM_CPUS_PER_TASK` as written, to tell an invalid value from none.
    pub cpus_per_task_text: Option<String>,
}

impl JobEnv {
    pub fn from_env(env: &ProcessVars) -> JobEnv {
        JobEnv {
            job_id: env.get("SLURM_JOB_ID").map(str::to_string),
            step_id: env.get("SLURM_STEP_ID").map(str::to_string),
            node_name: env.get("SLURMD_NODENAME").map(str::to_string),
            tmpdir: env.get("SLURM_TMPDIR").map(PathBuf::from),
            pythonpath: env
                .get("PYTHONPATH")
                .unwrap_or("")
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            path_before_activate: env.get("_OLD_VIRTUAL_PATH").map(str::to_string),
            cpus_per_task_text: env.get("SLURM_CPUS_PER_TASK").map(str::to_string),
            loaded_modulefiles: env
                .get("_LMFILES_")
                .unwrap_or("")
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
        }
    }

    /// Whether this runs inside a Slurm job.
    pub fn in_job(&self) -> bool {
        self.job_id.is_some()
    }

    /// The prefix for lines printed from a job step (`node1: `), where every node of the step
    /// writes into the same output; empty outside a step.
    pub fn line_prefix(&self) -> String {
        match (&self.step_id, &self.node_name) {
            (Some(_), Some(node)) => format!("{node}: "),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_only_in_a_step() {
        let batch = JobEnv::from_env(&ProcessVars::from_pairs([
            ("SLURM_JOB_ID", "7"),
            ("SLURMD_NODENAME", "node1"),
        ]));
        assert!(batch.in_job());
        assert_eq!(batch.line_prefix(), "");
        let step = JobEnv::from_env(&ProcessVars::from_pairs([
            ("SLURM_JOB_ID", "7"),
            ("SLURM_STEP_ID", "0"),
            ("SLURMD_NODENAME", "node2"),
            ("PYTHONPATH", "/a::/b"),
        ]));
        assert_eq!(step.line_prefix(), "node2: ");
        assert_eq!(step.pythonpath, [PathBuf::from("/a"), PathBuf::from("/b")]);
    }
}
