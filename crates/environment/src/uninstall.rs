//! `uninstall`: remove distributions the environment itself holds, in one transaction under
//! its lock (every file proven inside the environment before anything moves).

use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use installer::Transaction;

use crate::target::short;
use crate::{Error, Event, Target};

/// What an uninstall removed: `name-version` of each distribution.
#[derive(Debug, Default)]
pub struct Removed {
    pub removed: Vec<String>,
}

/// Removes the distributions named by `requirements` (a name, or a requirement line whose
/// name is taken) from `target`. Names that are not installed, or only outside the
/// environment (a module's, the system's), are skipped with a warning.
pub fn uninstall(
    target: &Target,
    requirements: &[String],
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Removed, Error> {
    let lock = installer::lock_environment(&target.root, cancel, || {
        events(Event::WaitingForLock(&target.root))
    })
    .map_err(Error::from_installer)?;
    for message in &lock.recovered {
        events(Event::Recovered(message));
    }
    let importable = crate::importable(&target.interpreter);
    let own = target.own_distributions()?;
    let mut plan = Transaction::default();
    let mut removed = Removed::default();
    for text in requirements {
        let name = name_of(text);
        let key = wheel_metadata::normalize_name(&name);
        match (own.iter().find(|d| d.key == key), importable.get(&key)) {
            (Some(dist), _) => {
                removed
                    .removed
                    .push(format!("{}-{}", dist.name, dist.version));
                plan.remove.push(dist.clone());
            }
            (None, Some((dist, _))) => events(Event::Warning(&format!(
                "not uninstalling {} {} at {}: it is outside the environment {}",
                dist.name,
                dist.version,
                dist.site_dir.display(),
                short(&target.root)
            ))),
            (None, None) => events(Event::Warning(&format!(
                "skipping {name}: it is not installed"
            ))),
        }
    }
    if !plan.remove.is_empty() {
        installer::commit(&lock, &plan, &target.layout, cancel, &|_| {})
            .map_err(Error::from_installer)?;
    }
    Ok(removed)
}

/// The distribution name of a requirement line (`numpy==1.2` → `numpy`).
fn name_of(text: &str) -> String {
    pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text.trim())
        .map(|r| r.name.to_string())
        .unwrap_or_else(|_| text.trim().to_string())
}
