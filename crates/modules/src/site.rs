//! A site in a box: everything a cluster's base module and software tree give users, in one
//! directory, so a new administrator (or a laptop user) can start from it.
//!
//! ```text
//! DIR/wheelhouse/generic/                            pure wheels
//! DIR/wheelhouse/gentoo2023/{generic,x86-64-v3,x86-64-v4}/
//! DIR/pip/pip-{generic,x86-64-v3,x86-64-v4}.conf     one pip configuration per CPU level
//! DIR/pip/constraints.txt                            the site's constraints (empty)
//! DIR/python-site/{_manylinux.py,sitecustomize.py}   on PYTHONPATH through the python modules
//! DIR/software/python/3.11.7/bin/python → …          the interpreters (PYTHON_DIRS)
//! DIR/modules/python/3.11.7.lua                      MODULEPATH
//! DIR/profile.sh, DIR/profile.csh                    what the base module sets
//! ```

use std::path::{Path, PathBuf};

use crate::{cpu, python_module_plan, Content, ModulesError, Plan, PythonInstall, PythonModule};

/// The software environment's Gentoo year (`EBVERSIONGENTOO`): its CPU levels are
/// `generic`, `x86-64-v3` and `x86-64-v4`.
pub const GENTOO_YEAR: &str = "2023";

/// The CPU levels of the site, as `RSNT_ARCH` names them.
pub const LEVELS: [&str; 3] = ["generic", "x86-64-v3", "x86-64-v4"];

/// The layout of a site directory.
#[derive(Clone, Debug)]
pub struct SiteLayout {
    pub root: PathBuf,
}

impl SiteLayout {
    pub fn new(root: PathBuf) -> SiteLayout {
        SiteLayout { root }
    }
    pub fn wheelhouse(&self) -> PathBuf {
        self.root.join("wheelhouse")
    }
    pub fn modules(&self) -> PathBuf {
        self.root.join("modules")
    }
    pub fn python_site(&self) -> PathBuf {
        self.root.join("python-site")
    }
    /// `PYTHON_DIRS`: one directory per interpreter version below it.
    pub fn pythons(&self) -> PathBuf {
        self.root.join("software/python")
    }
    /// Where stacks are installed by default (`software/NAME/VERSION`).
    pub fn software(&self) -> PathBuf {
        self.root.join("software")
    }
    pub fn pip_config(&self, level: &str) -> PathBuf {
        self.root.join(format!("pip/pip-{level}.conf"))
    }
    pub fn constraints(&self) -> PathBuf {
        self.root.join("pip/constraints.txt")
    }
    pub fn manifest(&self) -> PathBuf {
        self.root.join(crate::MANIFEST)
    }
    /// The wheel directories, in the order pip searches them for `level`: the CPU level's
    /// own, then the compatibility layer's generic one, then the top-level generic one.
    pub fn search_order(&self, level: &str) -> Vec<PathBuf> {
        let gentoo = self.wheelhouse().join(format!("gentoo{GENTOO_YEAR}"));
        let mut dirs = Vec::new();
        if level != "generic" {
            dirs.push(gentoo.join(level));
        }
        dirs.push(gentoo.join("generic"));
        dirs.push(self.wheelhouse().join("generic"));
        dirs
    }
    /// Every wheel directory of the site.
    pub fn wheel_dirs(&self) -> Vec<PathBuf> {
        let gentoo = self.wheelhouse().join(format!("gentoo{GENTOO_YEAR}"));
        let mut dirs = vec![self.wheelhouse().join("generic")];
        dirs.extend(LEVELS.iter().map(|l| gentoo.join(l)));
        dirs
    }
}

/// Characters a site directory may hold: it is written unquoted-safe into shell profiles for
/// sh and csh, whose quoting rules differ; anything else is refused rather than escaped.
pub fn check_site_path(root: &Path) -> Result<(), ModulesError> {
    let text = root.to_str().ok_or_else(|| ModulesError::BadInput {
        what: format!("the site directory {}", root.display()),
        reason: "its path is not UTF-8".into(),
    })?;
    if let Some(bad) = text.chars().find(|c| {
        !(c.is_alphanumeric()
            || matches!(c, '/' | '.' | '_' | '-' | '+' | ',' | '@' | '%' | ':' | '='))
    }) {
        return Err(ModulesError::BadInput {
            what: format!("the site directory {text}"),
            reason: format!(
                "its path holds {bad:?}, which the shell profiles (sh and csh) cannot carry \
                 safely. Choose a directory whose path has letters, digits and / . _ - + only"
            ),
        });
    }
    if text.contains(':') {
        return Err(ModulesError::BadInput {
            what: format!("the site directory {text}"),
            reason: "its path holds ':', the separator of MODULEPATH and PYTHON_DIRS. \
                     Choose another directory"
                .into(),
        });
    }
    Ok(())
}

/// One pip configuration file, as the cluster's: the search order in `[global]`,
/// `[install]`, `[download]` and `[wheel]` (`avail_wheels` reads `[wheel]`), the site's
/// constraints and binary-only policy.
pub fn pip_config(layout: &SiteLayout, level: &str) -> String {
    let links: Vec<String> = layout
        .search_order(level)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let links = links.join(" ");
    format!(
        "# Written by wheelhouse site init: pip configuration for CPU level {level}\n\
         # (PIP_CONFIG_FILE points here on {level} nodes). Wheel directories are searched in\n\
         # this order: the CPU level's own builds first, then the generic ones.\n\
         [global]\n\
         disable-pip-version-check = true\n\
         find-links = {links}\n\
         \n\
         [install]\n\
         find-links = {links}\n\
         constraint = {constraint}\n\
         only-binary = :all:\n\
         prefer-binary = true\n\
         \n\
         [download]\n\
         find-links = {links}\n\
         \n\
         [wheel]\n\
         find-links = {links}\n",
        constraint = layout.constraints().display()
    )
}

/// `libexec/cpu-level.sh`, run by both profiles (csh cannot carry an awk program safely):
/// prints this node's CPU level, `x86-64-v4`, `x86-64-v3` or `generic`, from the flags of
/// `/proc/cpuinfo` (or the file given as its argument), as [`cpu::arch_from_flags`] decides.
pub fn cpu_level_script() -> String {
    format!(
        "#!/bin/sh\n# Written by wheelhouse site init: this node's CPU level (RSNT_ARCH).\n\
         level=$(awk -v v3='{v3}' -v v4='{v4}' '/^flags/ {{ for (i = 1; i <= NF; i++) have[$i] = 1; \
         n = split(v3, a, \" \"); ok3 = 1; for (j = 1; j <= n; j++) if (a[j] in have) {{}} else ok3 = 0; \
         m = split(v4, b, \" \"); ok4 = ok3; for (j = 1; j <= m; j++) if (b[j] in have) {{}} else ok4 = 0; \
         print (ok4 ? \"x86-64-v4\" : (ok3 ? \"x86-64-v3\" : \"generic\")); exit }}' \"${{1:-/proc/cpuinfo}}\" 2>/dev/null)\n\
         echo \"${{level:-generic}}\"\n",
        v3 = cpu::shell_flags_v3(),
        v4 = cpu::shell_flags_v4()
    )
}

/// `profile.sh`, for sh, bash and zsh.
pub fn profile_sh(layout: &SiteLayout) -> String {
    let root = layout.root.display();
    format!(
        "# Written by wheelhouse site init. Sets what the cluster's base module sets, for the site\n\
         # in {root}:  . {root}/profile.sh   (csh/tcsh: source {root}/profile.csh)\n\
         # This node's CPU level, from the flags of /proc/cpuinfo (x86-64-v4, x86-64-v3, generic).\n\
         RSNT_ARCH=$(sh '{root}/libexec/cpu-level.sh')\n\
         [ -n \"$RSNT_ARCH\" ] || RSNT_ARCH=generic\n\
         export RSNT_ARCH\n\
         export EBVERSIONGENTOO={GENTOO_YEAR}\n\
         export WHEELHOUSE='{wheelhouse}'\n\
         export PIP_CONFIG_FILE='{root}/pip/pip-'\"$RSNT_ARCH\"'.conf'\n\
         export PYTHON_DIRS='{pythons}'\n\
         case \":${{MODULEPATH:-}}:\" in\n\
         \x20   *':{modules}:'*) ;;\n\
         \x20   *) MODULEPATH='{modules}'\"${{MODULEPATH:+:$MODULEPATH}}\"; export MODULEPATH ;;\n\
         esac\n\
         # Lmod's `module` command, when this shell does not have it yet.\n\
         if ! command -v module >/dev/null 2>&1; then\n\
         \x20   for __wheelhouse_init in \"${{LMOD_PKG:-/nonexistent}}/init/profile\" /usr/share/lmod/lmod/init/profile \\\n\
         \x20       /opt/lmod/lmod/init/profile /usr/local/lmod/lmod/init/profile; do\n\
         \x20       if [ -f \"$__wheelhouse_init\" ]; then . \"$__wheelhouse_init\"; break; fi\n\
         \x20   done\n\
         \x20   unset __wheelhouse_init\n\
         fi\n",
        wheelhouse = layout.wheelhouse().display(),
        pythons = layout.pythons().display(),
        modules = layout.modules().display(),
    )
}

/// `profile.csh`, for csh and tcsh.
pub fn profile_csh(layout: &SiteLayout) -> String {
    let root = layout.root.display();
    format!(
        "# Written by wheelhouse site init. Sets what the cluster's base module sets, for the site\n\
         # in {root}:  source {root}/profile.csh   (sh/bash/zsh: . {root}/profile.sh)\n\
         # This node's CPU level, from the flags of /proc/cpuinfo (x86-64-v4, x86-64-v3, generic).\n\
         setenv RSNT_ARCH `sh '{root}/libexec/cpu-level.sh'`\n\
         if ( \"$RSNT_ARCH\" == \"\" ) setenv RSNT_ARCH generic\n\
         setenv EBVERSIONGENTOO {GENTOO_YEAR}\n\
         setenv WHEELHOUSE '{wheelhouse}'\n\
         setenv PIP_CONFIG_FILE '{root}/pip/pip-'\"$RSNT_ARCH\"'.conf'\n\
         setenv PYTHON_DIRS '{pythons}'\n\
         if ( $?MODULEPATH ) then\n\
         \x20   if ( \":${{MODULEPATH}}:\" !~ *:{modules}:* ) setenv MODULEPATH '{modules}'\":${{MODULEPATH}}\"\n\
         else\n\
         \x20   setenv MODULEPATH '{modules}'\n\
         endif\n\
         # Lmod's `module` command, when this shell does not have it yet.\n\
         if ( ! $?LMOD_CMD ) then\n\
         \x20   if ( -f /usr/share/lmod/lmod/init/csh ) then\n\
         \x20       source /usr/share/lmod/lmod/init/csh\n\
         \x20   else if ( -f /opt/lmod/lmod/init/csh ) then\n\
         \x20       source /opt/lmod/lmod/init/csh\n\
         \x20   endif\n\
         endif\n",
        wheelhouse = layout.wheelhouse().display(),
        pythons = layout.pythons().display(),
        modules = layout.modules().display(),
    )
}

/// The whole site: directories to create and files to write (through the manifest).
pub fn site_plan(
    layout: &SiteLayout,
    pythons: &[PythonInstall],
) -> Result<(Vec<PathBuf>, Plan, Vec<PythonModule>), ModulesError> {
    check_site_path(&layout.root)?;
    let (mut plan, modules) = python_module_plan(
        pythons,
        &layout.modules(),
        Some(&layout.pythons()),
        Some(&layout.python_site()),
    )?;
    for level in LEVELS {
        plan.add(
            layout.pip_config(level),
            Content::text(pip_config(layout, level)),
        );
    }
    plan.add(
        layout.constraints(),
        Content::text(
            "# The site's constraints (pip's `constraint` in every pip-*.conf): one requirement\n\
             # per line, such as `numpy<2`, applied to every install without installing anything.\n",
        ),
    );
    plan.add(
        layout.root.join("libexec/cpu-level.sh"),
        Content::File {
            bytes: cpu_level_script().into_bytes(),
            executable: true,
        },
    );
    plan.add(
        layout.root.join("profile.sh"),
        Content::text(profile_sh(layout)),
    );
    plan.add(
        layout.root.join("profile.csh"),
        Content::text(profile_csh(layout)),
    );
    let mut dirs = layout.wheel_dirs();
    dirs.push(layout.modules());
    dirs.push(layout.pythons());
    Ok((dirs, plan, modules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_order_is_level_first() {
        let layout = SiteLayout::new("/s".into());
        let text = pip_config(&layout, "x86-64-v3");
        assert!(text.contains(
            "find-links = /s/wheelhouse/gentoo2023/x86-64-v3 /s/wheelhouse/gentoo2023/generic /s/wheelhouse/generic\n"
        ));
        assert!(pip_config(&layout, "generic")
            .contains("find-links = /s/wheelhouse/gentoo2023/generic /s/wheelhouse/generic\n"));
    }

    #[test]
    fn unsafe_site_paths_are_refused() {
        for bad in [
            "/tmp/a b",
            "/tmp/it's",
            "/tmp/$HOME",
            "/tmp/a:b",
            "/tmp/`x`",
        ] {
            assert!(check_site_path(Path::new(bad)).is_err(), "{bad}");
        }
        assert!(check_site_path(Path::new("/tmp/site-1.0_x")).is_ok());
    }
}
