//! CPU-level names used to split a wheelhouse.

/// CPU levels of the 2020 software environments (before Gentoo 2023), sorted.
pub const ARCHITECTURES_2020: &[&str] = &["avx", "avx2", "avx512", "generic", "sse3"];

/// CPU levels of the Gentoo 2023 software environment and later, sorted.
pub const ARCHITECTURES_2023: &[&str] = &["generic", "x86-64-v3", "x86-64-v4"];

/// The CPU levels a software environment offers, from its Gentoo release year
/// (`EBVERSIONGENTOO`): 2023 and later renamed the levels after the x86-64 micro-architecture
/// levels; anything older, or unknown, keeps the instruction-set names.
///
/// ```
/// assert_eq!(wheel_name::architectures_for_gentoo(Some(2023)), wheel_name::ARCHITECTURES_2023);
/// assert_eq!(wheel_name::architectures_for_gentoo(None), wheel_name::ARCHITECTURES_2020);
/// ```
pub fn architectures_for_gentoo(gentoo_year: Option<i64>) -> &'static [&'static str] {
    match gentoo_year {
        Some(year) if year >= 2023 => ARCHITECTURES_2023,
        _ => ARCHITECTURES_2020,
    }
}
