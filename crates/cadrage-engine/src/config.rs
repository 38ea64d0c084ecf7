//! `cadrage.toml`: which rulesets a project loads, its default ruleset, and
//! its severity overrides. Parsing only: finding and reading the file is
//! the caller's business.

use std::collections::BTreeMap;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;

/// A project file, read and checked for shape.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file's name as shown to the user (empty for the built-in default).
    pub path: String,
    pub text: Arc<str>,
    /// Files or folders of rulesets, relative to the project file's folder.
    pub rulesets: Vec<Spanned<String>>,
    pub default: Option<Spanned<String>>,
    pub severity: Vec<SeverityEntry>,
}

#[derive(Clone, Debug)]
pub struct SeverityEntry {
    /// A rule path (`management.community_shows_results`) or an engine code (`cadrage::classified`).
    pub key: Spanned<String>,
    pub value: Spanned<SeverityOverride>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityOverride {
    Level(Severity),
    Off,
}

/// A project file that cannot be used. Rendered by miette with the file's
/// name, the line and the bad key or value underlined.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(cadrage::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
    /// `path:line:column`, for one-line renderings.
    pub location: String,
}

impl ConfigError {
    pub fn new(
        config: &Config,
        span: std::ops::Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Self {
        let index = cadrage_syntax::LineIndex::new(&config.text);
        let pos = index.char_position(span.start);
        ConfigError {
            message,
            src: NamedSource::new(config.path.clone(), Arc::clone(&config.text)),
            span: span.clone().into(),
            label: label.to_string(),
            help,
            location: format!("{}:{}:{}", config.path, pos.line, pos.column),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rulesets: Option<Vec<Spanned<String>>>,
    default: Option<Spanned<String>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

impl Config {
    /// Reads a project file. `path` is how to name it in messages.
    pub fn parse(path: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        let mut config = Config { path: path.to_string(), text: Arc::from(text), ..Config::default() };
        let raw: Raw = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let (message, help) = explain_toml_error(e.message());
                return Err(Box::new(ConfigError::new(&config, span, message, "here", help)));
            }
        };
        config.rulesets = raw.rulesets.unwrap_or_default();
        config.default = raw.default;
        for (key, value) in raw.severity.unwrap_or_default() {
            let parsed = match value.get_ref().as_str() {
                "error" => SeverityOverride::Level(Severity::Error),
                "warning" => SeverityOverride::Level(Severity::Warning),
                "info" => SeverityOverride::Level(Severity::Info),
                "hint" => SeverityOverride::Level(Severity::Hint),
                "off" => SeverityOverride::Off,
                other => {
                    let message = format!("`{other}` is not a severity");
                    let help = Some("write \"error\", \"warning\", \"info\", \"hint\" or \"off\"".to_string());
                    return Err(Box::new(ConfigError::new(&config, value.span(), message, "this value", help)));
                }
            };
            let span = value.span();
            config.severity.push(SeverityEntry { key, value: Spanned::new(span, parsed) });
        }
        Ok(config)
    }

    /// The override for a code, as written in `[severity]`.
    pub fn severity_for(&self, code: &str) -> Option<SeverityOverride> {
        self.severity.iter().find(|e| e.key.get_ref() == code).map(|e| *e.value.get_ref())
    }
}

/// toml's messages, in this project's words where they are about its keys.
fn explain_toml_error(message: &str) -> (String, Option<String>) {
    let first = message.lines().next().unwrap_or(message).trim();
    if let Some(rest) = first.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or("");
        return (
            format!("unknown key `{key}` in the project file"),
            Some("the keys are `rulesets`, `default` and the table `[severity]`".into()),
        );
    }
    if first.starts_with("invalid type") {
        let mut msg = first.to_string();
        if let Some(i) = msg.find(", expected") {
            msg.truncate(i);
        }
        let help = if first.contains("sequence") {
            "`rulesets` is a list of paths: `rulesets = [\"rulesets\"]`"
        } else if first.contains("string") {
            "write the value in quotes"
        } else {
            "see docs/configuration.md for the shape of the project file"
        };
        return (msg, Some(help.into()));
    }
    (first.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_reads() {
        let text = "rulesets = [\"rulesets\"]\ndefault = \"management\"\n\n[severity]\n\"management.community_shows_results\" = \"error\"\n\"cadrage::classified\" = \"off\"\n";
        let c = Config::parse("cadrage.toml", text).unwrap_or_default();
        assert_eq!(c.rulesets.len(), 1);
        assert_eq!(c.default.as_ref().map(|d| d.get_ref().as_str()), Some("management"));
        assert_eq!(
            c.severity_for("management.community_shows_results"),
            Some(SeverityOverride::Level(Severity::Error))
        );
        assert_eq!(c.severity_for("cadrage::classified"), Some(SeverityOverride::Off));
    }

    #[test]
    fn bad_keys_and_values_name_the_line() {
        let e = Config::parse("p/cadrage.toml", "default = \"management\"\nrulset = [\"x\"]\n").err();
        let e = e.map(|e| (e.message.clone(), e.location.clone()));
        assert_eq!(e, Some(("unknown key `rulset` in the project file".into(), "p/cadrage.toml:2:1".into())));
        let e = Config::parse("cadrage.toml", "[severity]\n\"a.b\" = \"loud\"\n").err();
        let e = e.map(|e| (e.message.clone(), e.location.clone()));
        assert_eq!(e, Some(("`loud` is not a severity".into(), "cadrage.toml:2:9".into())));
        let e = Config::parse("cadrage.toml", "rulesets = \"rulesets\"\n").err();
        assert!(e.is_some_and(|e| e.location == "cadrage.toml:1:12"));
    }
}
