//! `--require-hashes` and `--hash=`: every wheel installed must match a hash the user pinned.

use installer::Transaction;

use crate::wanted::Wanted;
use crate::Error;

/// Checks pins and hashes of a plan, as pip's hash-checking mode does.
pub fn check(plan: &Transaction, wanted: &Wanted) -> Result<(), Error> {
    for req in &wanted.requirements {
        let key = wheel_metadata::normalize_name(req.name.as_ref());
        let pinned = matches!(&req.version_or_url, Some(pep508_rs::VersionOrUrl::VersionSpecifier(s))
            if s.iter().count() == 1 && s.iter().all(|v| matches!(v.operator(), pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual)));
        if !pinned {
            return Err(Error::NotPinned {
                requirement: req.to_string(),
            });
        }
        if !wanted.hashes.contains_key(&key) {
            return Err(Error::NoHash {
                requirement: req.to_string(),
            });
        }
    }
    for wheel in plan.install.iter().map(|w| &w.path) {
        let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let key = wheel_name::WheelFilename::parse(name)
            .map(|w| wheel_metadata::normalize_name(w.name()))
            .unwrap_or_default();
        let Some(allowed) = wanted.hashes.get(&key) else {
            return Err(Error::DependencyWithoutHash {
                file_name: name.to_string(),
                key,
                wheel: wheel.clone(),
            });
        };
        let bytes = std::fs::read(wheel).map_err(|source| Error::Io {
            action: "read",
            path: wheel.clone(),
            source,
        })?;
        let matches = allowed.iter().any(|h| {
            let (algo, want) = h.split_once(':').unwrap_or(("sha256", h));
            hex_digest(algo, &bytes).is_some_and(|got| got.eq_ignore_ascii_case(want))
        });
        if !matches {
            return Err(Error::HashMismatch {
                wheel: wheel.clone(),
                sha256: hex_digest("sha256", &bytes).unwrap_or_default(),
                allowed: allowed.clone(),
            });
        }
    }
    Ok(())
}

/// The hex digest of `bytes` with one of the algorithms pip accepts in `--hash`.
fn hex_digest(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let digest = wheel_metadata::RecordHash::digest_of(algorithm, bytes)?;
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}
