//! `cadrage`: check rollout plans against management rulesets.

mod check;
mod cli;
mod commands;
mod output;
mod workspace;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Check(args) => check::run(args),
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
