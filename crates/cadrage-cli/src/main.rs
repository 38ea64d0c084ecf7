//! `cadrage`: check rollout plans against management rulesets.

mod check;
mod cli;
mod commands;
mod fmt;
mod ordered;
mod output;

use std::process::ExitCode;

use clap::Parser;

// See Cargo.toml: jemalloc is measurably faster here than the system
// allocator without the memory cost of mimalloc (docs/performance.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Check(args) => check::run(args),
        cli::Command::Fmt(args) => fmt::run(args),
        cli::Command::Lsp => lsp(),
        cli::Command::Test(args) => commands::test::run(args),
        cli::Command::Explain(args) => commands::explain::run(args),
        cli::Command::Table(args) => commands::table::run(args),
        cli::Command::Rules(args) => commands::rules::run(args),
        cli::Command::Diff(args) => commands::diff::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

/// `cadrage lsp`: the language server on stdio, on a tokio runtime.
fn lsp() -> Result<ExitCode, cadrage_workspace::ToolError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| cadrage_workspace::ToolError::Io { path: "<runtime>".into(), message: e.to_string() })?;
    runtime.block_on(cadrage_lsp::run_stdio());
    Ok(ExitCode::SUCCESS)
}
