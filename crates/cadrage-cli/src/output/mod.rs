//! Renderings of a check: for people (miette) and for machines (JSON).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use cadrage_engine::{Counts, FileReport};

/// What one file contributes to the output, rendered in the worker that
/// checked it so that its source text can be dropped at once.
#[derive(Default)]
pub struct Rendered {
    /// Human: the findings, rendered. JSON: comma-separated objects.
    pub findings: String,
    pub classifications: String,
    pub allowed: String,
    pub counts: Counts,
    pub allowed_count: usize,
    pub scenarios: usize,
    /// JUnit: test cases written, and how many of them failed.
    pub cases: usize,
    pub failed_cases: usize,
}

impl Rendered {
    /// Empty output with the report's counts.
    pub fn of(report: &FileReport) -> Rendered {
        Rendered {
            counts: report.counts(),
            scenarios: report.scenarios,
            allowed_count: report.allowed.len(),
            ..Rendered::default()
        }
    }
}

pub trait Renderer: Sync {
    fn render(&self, report: &FileReport) -> Rendered;
}

/// Appends `value` as JSON to a comma-separated list.
pub fn push_json<T: serde::Serialize>(out: &mut String, value: &T) {
    if !out.is_empty() {
        out.push(',');
    }
    // Serializing plain structs and JSON values to a string cannot fail.
    if let Ok(s) = serde_json::to_string(value) {
        out.push_str(&s);
    }
}
