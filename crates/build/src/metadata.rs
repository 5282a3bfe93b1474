//! Metadata of a source without building it: an sdist's `PKG-INFO` can be trusted for
//! resolution when it is PEP 643 static (Metadata-Version 2.2 or later, and none of the fields
//! a resolver reads marked `Dynamic`).

use wheel_metadata::CoreMetadata;

/// Where a source's metadata came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataOrigin {
    /// The sdist's static `PKG-INFO` (PEP 643): nothing was run.
    StaticPkgInfo,
    /// The backend's `prepare_metadata_for_build_wheel` (or `_editable`) hook.
    PreparedByBackend,
    /// A wheel built because the backend has no `prepare_metadata_*` hook.
    BuiltWheel,
}

/// A source's core metadata, for resolution.
#[derive(Clone, Debug)]
pub struct SourceMetadata {
    /// The parsed fields a resolver needs.
    pub metadata: CoreMetadata,
    /// The whole `METADATA`/`PKG-INFO` text.
    pub text: String,
    pub origin: MetadataOrigin,
}

/// The fields a resolver reads; PEP 643 forbids `Name` and `Version` from being dynamic, and
/// the others make the file useless for resolution when they are.
const NEEDED: [&str; 5] = [
    "name",
    "version",
    "requires-dist",
    "requires-python",
    "provides-extra",
];

/// `pkg_info` parsed, when it is static for resolution.
pub fn static_metadata(pkg_info: &str) -> Option<CoreMetadata> {
    let mut version = None;
    let mut dynamic = Vec::new();
    for line in pkg_info.lines() {
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "metadata-version" => version = Some(value.trim().to_string()),
            "dynamic" => dynamic.push(value.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    let (major, minor) = version?
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))?;
    if (major, minor) < (2, 2) || dynamic.iter().any(|d| NEEDED.contains(&d.as_str())) {
        return None;
    }
    let metadata = CoreMetadata::parse(pkg_info);
    (!metadata.name.is_empty() && !metadata.version.is_empty()).then_some(metadata)
}

#[cfg(test)]
mod tests {
    use super::static_metadata;

    #[test]
    fn only_pep_643_static_metadata_counts() {
        let head = "Name: demo\nVersion: 1.0\nRequires-Dist: six\n";
        let static_22 = format!("Metadata-Version: 2.2\n{head}Dynamic: Description\n\nbody");
        let meta = static_metadata(&static_22).unwrap();
        assert_eq!((meta.name.as_str(), meta.requires_dist.len()), ("demo", 1));
        assert!(static_metadata(&format!("Metadata-Version: 2.4\n{head}")).is_some());
        // Older metadata versions say nothing about what is dynamic.
        assert!(static_metadata(&format!("Metadata-Version: 2.1\n{head}")).is_none());
        let dynamic = format!("Metadata-Version: 2.2\n{head}Dynamic: Requires-Dist\n");
        assert!(static_metadata(&dynamic).is_none());
        assert!(static_metadata("Metadata-Version: 2.2\nVersion: 1\n").is_none());
        assert!(static_metadata("garbage").is_none());
    }
}
