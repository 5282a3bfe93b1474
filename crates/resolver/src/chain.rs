//! The chain of requirements behind a failed resolution, in the words `install` prints
//! ("Because a has only 1.0 and a 1.0 requires c<2, a requires c 1.0."): PubGrub's report with
//! wheelhouse's names for versions and Python requirements.

use pubgrub::{Derived, External, Map, Ranges, ReportFormatter, Term};

use crate::explain::pkg_key;
use crate::{Pkg, Provider};

/// Words for PubGrub's report of one resolution.
pub(crate) struct Words<'p, 'a> {
    pub(crate) provider: &'p Provider<'a>,
}

impl Words<'_, '_> {
    fn versions(&self, pkg: &Pkg, set: &Ranges<u32>) -> String {
        let Some(key) = pkg_key(pkg) else {
            return String::new();
        };
        let all = self.provider.candidate_count(key);
        let versions = self.provider.versions_in(key, set);
        if versions.is_empty() {
            return "(no version)".into();
        }
        if all > 1 && (versions.len() == all || set == &Ranges::full()) {
            return "(any version)".into();
        }
        if versions.len() > 4 {
            return format!(
                "{} to {} ({} versions)",
                versions.last().unwrap(),
                versions[0],
                versions.len()
            );
        }
        versions.join(" or ")
    }

    /// Whether `set` holds every candidate version of `pkg`.
    fn every_version(&self, pkg: &Pkg, set: &Ranges<u32>) -> bool {
        pkg_key(pkg).is_some_and(|key| {
            let all = self.provider.candidate_count(key);
            all > 0 && self.provider.versions_in(key, set).len() == all
        })
    }

    fn named(&self, pkg: &Pkg, set: &Ranges<u32>) -> String {
        let v = self.versions(pkg, set);
        if v.is_empty() || v == "(any version)" {
            pkg.to_string()
        } else {
            format!("{pkg} {v}")
        }
    }

    /// A package with its versions, or alone when the set holds every version it has.
    fn named_or_whole(&self, pkg: &Pkg, set: &Ranges<u32>) -> String {
        if self.every_version(pkg, set) {
            pkg.to_string()
        } else {
            self.named(pkg, set)
        }
    }

    fn term(&self, pkg: &Pkg, term: &Term<Ranges<u32>>) -> String {
        match term {
            Term::Positive(set) => self.named_or_whole(pkg, set),
            Term::Negative(set) => format!("{pkg} other than {}", self.versions(pkg, set)),
        }
    }
}

impl ReportFormatter<Pkg, Ranges<u32>, String> for Words<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &External<Pkg, Ranges<u32>, String>) -> String {
        match external {
            External::NotRoot(..) => "we are solving your requirements".into(),
            External::NoVersions(pkg, set) => {
                if let Some(key) = pkg_key(pkg) {
                    let all = self.provider.versions_in(key, &Ranges::full());
                    if all.is_empty() {
                        return format!("there is no usable wheel of {pkg}");
                    }
                    let wanted = self.provider.versions_in(key, set);
                    if wanted.is_empty() {
                        format!("{pkg} has only {}", all.join(", "))
                    } else {
                        format!("{pkg} {} cannot be used", wanted.join(" or "))
                    }
                } else {
                    format!("there is no version of {pkg}")
                }
            }
            External::Custom(pkg, set, why) => {
                format!("{} cannot be used {why}", self.named(pkg, set))
            }
            External::FromDependencyOf(p, sp, d, _sd) => {
                let text = self
                    .provider
                    .edges
                    .borrow()
                    .get(&(p.clone(), d.clone()))
                    .cloned()
                    .unwrap_or_else(|| d.to_string());
                match p {
                    Pkg::Root => format!("you asked for {text}"),
                    _ => format!("{} requires {text}", self.named(p, sp)),
                }
            }
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<Ranges<u32>>>) -> String {
        let parts: Vec<(&Pkg, &Term<Ranges<u32>>)> = terms.iter().collect();
        match parts.as_slice() {
            [] => "no set of versions works".into(),
            [(Pkg::Root, Term::Positive(_))] => "your requirements cannot be met".into(),
            // Every version ruled out reads as the package itself, even when it has only one:
            // "newer 1.0 cannot be used because …, newer cannot be used", not the same words twice.
            [(p, Term::Positive(set))] if self.every_version(p, set) => {
                format!("{p} cannot be used")
            }
            [(p, Term::Positive(set))] => format!("{} cannot be used", self.named(p, set)),
            [(p, Term::Negative(set))] => format!("{} is required", self.named(p, set)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => {
                if **p1 == Pkg::Root {
                    format!("you need {}", self.named(p2, r2))
                } else {
                    format!(
                        "{} requires {}",
                        self.named_or_whole(p1, r1),
                        self.named(p2, r2)
                    )
                }
            }
            many => {
                let mut list: Vec<String> = many.iter().map(|(p, t)| self.term(p, t)).collect();
                let last = list.pop().unwrap_or_default();
                format!(
                    "{} and {last} cannot be installed together",
                    list.join(", ")
                )
            }
        }
    }

    fn explain_both_external(
        &self,
        e1: &External<Pkg, Ranges<u32>, String>,
        e2: &External<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(terms)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Pkg, Ranges<u32>, String>,
        id2: usize,
        d2: &Derived<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<Pkg, Ranges<u32>, String>,
        e: &External<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, {}.",
            self.format_terms(&d.terms),
            self.format_external(e),
            self.format_terms(terms)
        )
    }

    fn and_explain_external(
        &self,
        e: &External<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(e),
            self.format_terms(terms)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        d: &Derived<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "And because {} ({id}), {}.",
            self.format_terms(&d.terms),
            self.format_terms(terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &External<Pkg, Ranges<u32>, String>,
        e: &External<Pkg, Ranges<u32>, String>,
        terms: &Map<Pkg, Term<Ranges<u32>>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(e),
            self.format_terms(terms)
        )
    }
}
