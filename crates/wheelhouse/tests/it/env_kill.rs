//! A kill at any moment — while unpacking, during the commit's renames, during the clean-up —
//! leaves the environment exactly as before or exactly as after (file contents and modes),
//! once the next command has recovered. The install is killed at many points spread over its
//! whole run; `WHEELHOUSE_KILL_POINTS` raises the count (bench/kill-stress.sh runs hundreds).

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
#[allow(clippy::disallowed_macros)] // the test's own report, on stderr
fn a_kill_at_any_moment_leaves_the_environment_before_or_after() {
    // The kill points are spread over a duration measured once: keep the load steady.
    let _alone = crate::common::alone();
    let points: u32 = std::env::var("WHEELHOUSE_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let site = Site::new();
    bulky_wheel("many", "1.0", 300, 20).write(&site.generic);
    bulky_wheel("many", "2.0", 400, 40).write(&site.generic);
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    site.ok(&["install", "-p", e, "many==1.0", "six"]);
    let saved = site.path("env.before");
    copy_tree(&env, &saved);
    let before = contents(&env);

    // The complete upgrade, once, for the after state and its duration.
    let args = ["install", "-p", e, "many==2.0", "attrs"];
    let started = Instant::now();
    site.ok(&args);
    let took = started.elapsed();
    let after = contents(&env);
    assert_ne!(before, after);

    let (mut saw_before, mut saw_after, mut undone_mid_commit) = (0, 0, 0);
    for k in 0..points {
        copy_tree(&saved, &env);
        let mut child = site
            .command(env!("CARGO_BIN_EXE_wheelhouse"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = if k + 1 == points {
            // The last point lets the install finish: the after state must be reached too.
            let _ = child.wait();
            took
        } else if k % 2 == 0 {
            // Spread over 0..120% of a whole run, with an odd step so the points do not
            // line up with anything periodic.
            let delay = took.mul_f64(1.2 * f64::from(k) / f64::from(points))
                + Duration::from_micros(u64::from(k) * 137 % 1000);
            std::thread::sleep(delay);
            delay
        } else {
            // From the moment the commit's journal exists, at growing offsets: kills during
            // the renames and during the clean-up.
            let journal = env
                .join(format!(".wheelhouse-staging-{}", child.id()))
                .join("journal");
            let deadline = Instant::now() + Duration::from_secs(60);
            while !journal.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(50));
            }
            let delay = Duration::from_micros(u64::from(k / 2) * 400);
            std::thread::sleep(delay);
            delay
        };
        let _ = child.kill();
        let _ = child.wait();
        // The next command that takes the lock recovers.
        if recover(&site, &env).contains("its changes were undone") {
            undone_mid_commit += 1;
        }
        let now = contents(&env);
        if now == before {
            saw_before += 1;
        } else if now == after {
            saw_after += 1;
        } else {
            let extra: Vec<_> = now
                .iter()
                .filter(|l| !before.contains(l) && !after.contains(l))
                .take(5)
                .collect();
            let missing: Vec<_> = before.iter().filter(|l| !now.contains(l)).take(5).collect();
            panic!(
                "killed after {delay:?} (point {k}): the environment is neither before nor after;\n\
                 e.g. not in either: {extra:?}\nmissing from before: {missing:?}"
            );
        }
    }
    eprintln!(
        "{points} kills: {saw_before} left it before ({undone_mid_commit} undone in the middle \
         of the commit), {saw_after} after"
    );
    assert!(
        saw_before > 0 && saw_after > 0,
        "{saw_before} before, {saw_after} after"
    );
    assert!(undone_mid_commit > 0, "no kill landed inside the commit");
}
