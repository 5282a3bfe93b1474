//! Load and concurrency as a cluster makes it: many jobs at once building environments from
//! one wheelhouse through one shared home-directory cache, a third of them killed (SIGKILL)
//! at a random moment; and several processes installing into one environment at once.
//! Every environment must end exactly before or after (contents and modes), the cache must
//! verify clean (`cache verify`), and a following run must be served from it.
//!
//! Cheap by default (4 jobs); `WHEELHOUSE_LOAD_JOBS=32` runs the full load (bench/load.sh
//! does), `WHEELHOUSE_LOAD_SEED` replays one random schedule (each failure prints its seed).

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A small xorshift generator: the schedule of kills, replayable from its seed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("WHEELHOUSE_LOAD_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        Rng(seed)
    }

    /// Whether job `k` is killed: exactly every third job, from a random first one.
    fn killed(&mut self, k: usize, offset: &mut Option<usize>) -> bool {
        let first = *offset.get_or_insert_with(|| (self.next() % 3) as usize);
        k % 3 == first
    }

    fn next(&mut self) -> u64 {
        // splitmix64 first: seeds taken a few nanoseconds apart start far apart.
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        self.0 ^= z ^ (z >> 31);
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A fraction in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn jobs(default: usize) -> usize {
    std::env::var("WHEELHOUSE_LOAD_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Waits for `child`, killing it with SIGKILL at `kill_at` (measured from `started`) if set.
fn finish(mut child: Child, started: Instant, kill_at: Option<Duration>) -> bool {
    let Some(at) = kill_at else {
        return child.wait().unwrap().success();
    };
    loop {
        if child.try_wait().unwrap().is_some() {
            return false; // finished before its kill
        }
        if started.elapsed() >= at {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn verify_cache(site: &Site, seed: u64) {
    let out = site.wheelhouse(&["cache", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("no bad entry"),
        "seed {seed}: cache verify:\n{text}{}",
        stderr(&out)
    );
}

const PACKAGES: [&str; 3] = ["many", "six", "attrs"];

#[test]
#[allow(clippy::disallowed_macros)] // the test's own report, on stderr
fn many_jobs_build_environments_through_one_cache_while_a_third_are_killed() {
    // Dozens of processes at once: not beside the other load and timing tests.
    let _alone = crate::common::alone();
    let n = jobs(4);
    let mut rng = Rng::from_env();
    let seed = rng.0;
    let site = Site::new();
    bulky_wheel("many", "1.0", 200, 12).write(&site.generic);
    // Each job's environment before and after, made one at a time without the cache.
    let envs: Vec<PathBuf> = (0..n).map(|k| site.path(&format!("job{k}/env"))).collect();
    let mut states = Vec::new();
    let mut took = Duration::ZERO;
    for env in &envs {
        std::fs::create_dir_all(env.parent().unwrap()).unwrap();
        let e = env.to_str().unwrap();
        site.ok(&["venv", "--without-pip", e]);
        let saved = env.with_extension("before");
        copy_tree(env, &saved);
        let before = contents(env);
        let started = Instant::now();
        let mut args = vec!["install", "--no-cache", "-p", e];
        args.extend(PACKAGES);
        site.ok(&args);
        took = took.max(started.elapsed());
        states.push((before, contents(env)));
        copy_tree(&saved, env);
    }
    assert!(
        !site.path(".cache/wheelhouse/v1/entries").exists(),
        "the references used no cache"
    );

    // All at once through the home directory's cache; a third killed at a random moment
    // within the time the whole load takes (jobs share two cores).
    let span = took.mul_f64(n as f64 / 2.0 + 1.0);
    let started = Instant::now();
    let mut offset = None;
    let children: Vec<(Child, Option<Duration>)> = envs
        .iter()
        .enumerate()
        .map(|(k, env)| {
            let kill_at = rng.killed(k, &mut offset).then(|| span.mul_f64(rng.unit()));
            let mut c = site.command(env!("CARGO_BIN_EXE_wheelhouse"));
            c.args(["install", "-p", env.to_str().unwrap()])
                .args(PACKAGES)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            (c.spawn().unwrap(), kill_at)
        })
        .collect();
    let mut killed = 0;
    for (k, (child, kill_at)) in children.into_iter().enumerate() {
        let ok = finish(child, started, kill_at);
        if kill_at.is_none() {
            assert!(ok, "seed {seed}: job {k} failed without being killed");
        } else {
            killed += 1;
        }
    }
    let (mut saw_before, mut saw_after) = (0, 0);
    for (k, (env, (before, after))) in envs.iter().zip(&states).enumerate() {
        recover(&site, env);
        let now = contents(env);
        if &now == before {
            saw_before += 1;
        } else if &now == after {
            saw_after += 1;
        } else {
            let odd: Vec<_> = now
                .iter()
                .filter(|l| !before.contains(l) && !after.contains(l))
                .take(5)
                .collect();
            panic!("seed {seed}: job {k}'s environment is neither before nor after: {odd:?}");
        }
    }
    verify_cache(&site, seed);

    // A following run is served from the cache, and makes the same environment.
    let e = envs[0].to_str().unwrap();
    copy_tree(&envs[0].with_extension("before"), &envs[0]);
    let mut args = vec!["install", "-v", "-p", e];
    args.extend(PACKAGES);
    let out = site.wheelhouse(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains(&format!(" {} wheels from the cache", PACKAGES.len())),
        "seed {seed}: the following run did not reuse the cache:\n{text}"
    );
    assert_eq!(contents(&envs[0]), states[0].1, "seed {seed}");
    verify_cache(&site, seed);
    // And verification does find a damaged entry: exit 1, naming it.
    let damaged = entry_file(&site.path(".cache/wheelhouse"), "many_mod7.py");
    std::fs::write(&damaged, "I = 'changed'\n").unwrap();
    let out = site.wheelhouse(&["cache", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let entry = damaged.parent().unwrap().display().to_string();
    assert!(
        text.contains(&format!("bad entry {entry}: file")) && text.contains("many_mod7.py"),
        "{text}"
    );
    eprintln!(
        "{n} jobs (seed {seed}): {killed} killed; {saw_before} environments left before, \
         {saw_after} after; cache verified; the next run reused it"
    );
    assert!(saw_after > 0, "seed {seed}: no job finished");
}

#[test]
#[allow(clippy::disallowed_macros)] // the test's own report, on stderr
fn processes_installing_into_one_environment_take_turns() {
    // Dozens of processes at once: not beside the other load and timing tests.
    let _alone = crate::common::alone();
    let n = 8;
    let mut rng = Rng::from_env();
    let seed = rng.0;
    let site = Site::new();
    let names: Vec<String> = (0..n).map(|k| format!("solo{k}")).collect();
    for name in &names {
        bulky_wheel(name, "1.0", 60, 2).write(&site.generic);
    }
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    let saved = site.path("env.before");
    copy_tree(&env, &saved);
    let started = Instant::now();
    site.ok(&["install", "--no-cache", "-p", e, "solo0", "six"]);
    let took = started.elapsed();
    copy_tree(&saved, &env);

    // Each process installs its own package and six; they queue on the environment's lock.
    let span = took.mul_f64(n as f64 + 1.0);
    let started = Instant::now();
    let mut offset = None;
    let children: Vec<(Child, Option<Duration>)> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let kill_at = rng.killed(k, &mut offset).then(|| span.mul_f64(rng.unit()));
            let mut c = site.command(env!("CARGO_BIN_EXE_wheelhouse"));
            c.args(["install", "-p", e, name, "six"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            (c.spawn().unwrap(), kill_at)
        })
        .collect();
    let mut must_have = Vec::new();
    for ((child, kill_at), name) in children.into_iter().zip(&names) {
        let ok = finish(child, started, kill_at);
        if kill_at.is_none() {
            assert!(
                ok,
                "seed {seed}: the install of {name} failed without being killed"
            );
            must_have.push(name.clone());
        }
    }
    recover(&site, &env);
    let final_state = contents(&env);
    let site_dir = site_packages(&env);
    let installed: Vec<String> = names
        .iter()
        .filter(|name| site_dir.join(format!("{name}-1.0.dist-info")).exists())
        .cloned()
        .collect();
    for name in &must_have {
        assert!(installed.contains(name), "seed {seed}: {name} is missing");
    }
    // The one valid state with exactly these packages: installed in one go, uncached, into
    // the same path.
    copy_tree(&env, &site.path("env.final"));
    copy_tree(&saved, &env);
    if !installed.is_empty() {
        let mut args = vec!["install", "--no-cache", "-p", e, "six"];
        args.extend(installed.iter().map(String::as_str));
        site.ok(&args);
    }
    let expected = contents(&env);
    if final_state != expected {
        let odd: Vec<_> = final_state
            .iter()
            .filter(|l| !expected.contains(l))
            .chain(expected.iter().filter(|l| !final_state.contains(l)))
            .take(6)
            .collect();
        panic!("seed {seed}: the environment is not the state of {installed:?}: {odd:?}");
    }
    verify_cache(&site, seed);
    eprintln!(
        "{n} processes into one environment (seed {seed}): {} killed, {} installed",
        n - must_have.len(),
        installed.len()
    );
}
