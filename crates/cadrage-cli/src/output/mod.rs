//! Renderings of a check: for people (miette) and for machines (JSON).

pub mod human;
pub mod json;

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
}

pub trait Renderer: Sync {
    fn render(&self, report: &FileReport) -> Rendered;
}
