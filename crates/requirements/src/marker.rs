//! PEP 508 environment markers: checked for syntax so a typo is reported, never evaluated
//! (a listing shows wheels for every platform the user asks about).

const VARIABLES: &[&str] = &[
    "implementation_version",
    "platform_python_implementation",
    "implementation_name",
    "python_full_version",
    "platform_release",
    "platform_version",
    "platform_machine",
    "platform_system",
    "python_version",
    "sys_platform",
    "os_name",
    "os.name",
    "sys.platform",
    "platform.version",
    "platform.machine",
    "platform.python_implementation",
    "python_implementation",
    "extra",
];
const OPERATORS: &[&str] = &[
    "===", "==", "!=", "<=", ">=", "~=", "<", ">", "not in", "in",
];

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn keyword(&mut self, word: &str) -> bool {
        self.ws();
        let ok = self.rest.starts_with(word)
            && !self.rest[word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if ok {
            self.rest = &self.rest[word.len()..];
        }
        ok
    }

    fn or(&mut self) -> Result<(), String> {
        self.and()?;
        while self.keyword("or") {
            self.and()?;
        }
        Ok(())
    }

    fn and(&mut self) -> Result<(), String> {
        self.expr()?;
        while self.keyword("and") {
            self.expr()?;
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<(), String> {
        self.ws();
        if let Some(rest) = self.rest.strip_prefix('(') {
            self.rest = rest;
            self.or()?;
            self.ws();
            return match self.rest.strip_prefix(')') {
                Some(rest) => {
                    self.rest = rest;
                    Ok(())
                }
                None => Err("expected `)`".into()),
            };
        }
        self.value()?;
        self.ws();
        let op = OPERATORS
            .iter()
            .find(|op| {
                if op.chars().all(char::is_alphabetic) || op.contains(' ') {
                    let mut probe = Parser { rest: self.rest };
                    op.split(' ').all(|w| probe.keyword(w))
                } else {
                    self.rest.starts_with(*op)
                }
            })
            .ok_or_else(|| format!("expected a comparison operator at \"{}\"", self.rest))?;
        if op.contains(' ') || op.chars().all(char::is_alphabetic) {
            for w in op.split(' ') {
                self.keyword(w);
            }
        } else {
            self.rest = &self.rest[op.len()..];
        }
        self.value()
    }

    fn value(&mut self) -> Result<(), String> {
        self.ws();
        for quote in ['"', '\''] {
            if let Some(rest) = self.rest.strip_prefix(quote) {
                let end = rest.find(quote).ok_or("unterminated string")?;
                self.rest = &rest[end + 1..];
                return Ok(());
            }
        }
        let mut names: Vec<&&str> = VARIABLES.iter().collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for name in names {
            if self.keyword(name) {
                return Ok(());
            }
        }
        Err(format!("expected a marker variable (python_version, sys_platform, ...) or a quoted string at \"{}\"", self.rest))
    }
}

/// Checks a marker's syntax.
pub fn validate(marker: &str) -> Result<(), String> {
    let mut parser = Parser { rest: marker };
    parser.or()?;
    parser.ws();
    if parser.rest.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected \"{}\"", parser.rest))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers() {
        for ok in [
            "python_version<\"3.8\"",
            "sys_platform == 'linux' and (python_version >= '3.9' or extra == \"x\")",
            "'a' not in platform_release",
        ] {
            assert!(super::validate(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "bogus",
            "python_version",
            "python_version < 3.8",
            "(os_name == 'x'",
        ] {
            assert!(super::validate(bad).is_err(), "{bad}");
        }
    }
}
