//! The command line: what `cadrage --help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "cadrage",
    version,
    about = "Check rollout plans of social platforms against management rulesets",
    long_about = "cadrage checks scenarios and rollout plans (*.cadrage files) against rulesets: \
                  rules as data that say which management model a group needs. It reports \
                  where a plan uses the wrong model for its stated purpose.",
    after_help = "Examples:\n  cadrage check examples\n  cadrage fmt --check .\n  cadrage check plans --format json > findings.json\n  cadrage check --fail-on warning\n\nRun `cadrage help check` for the options of a command.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check scenario and ruleset files, and report findings
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Rewrite files in the canonical layout, or check that they are
    #[command(after_help = FMT_EXAMPLES)]
    Fmt(FmtArgs),
    /// Run the language server (LSP over standard input and output)
    #[command(after_help = LSP_EXAMPLES)]
    Lsp,
    /// Run the `test` blocks of rulesets
    #[command(after_help = TEST_EXAMPLES)]
    Test(TestArgs),
    /// Explain how a file's scenarios are judged: facts, rules, expected model, remedies
    Explain(ExplainArgs),
    /// Print the decision table of a ruleset
    Table(TableArgs),
    /// List the models, dimensions and rules of a ruleset, or explain one rule
    Rules(RulesArgs),
    /// Show what a ruleset change does to the scenarios, and whether it changes any judgement
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  cadrage diff --base main plans\n  cadrage diff --base old/rulesets plans --format markdown > comment.md"
)]
pub struct DiffArgs {
    /// The old rulesets: a ruleset file or folder, or a git revision
    #[arg(long, value_name = "OLD_RULESET_PATH_OR_GIT_REV")]
    pub base: String,

    /// Scenario files and folders to classify with both versions
    #[arg(default_value = ".", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Json,
    /// For a pull-request comment
    Markdown,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  cadrage explain examples/mistakes.cadrage\n  cadrage explain examples/merger.cadrage --scenario merger_qa --format json"
)]
pub struct ExplainArgs {
    /// The file whose scenarios to explain
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Only this scenario
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,

    /// The day that `allow ... until DATE` is compared with (YYYY-MM-DD; default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<(u16, u8, u8)>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  cadrage table management\n  cadrage table rulesets/expertise.cadrage --format html > table.html"
)]
pub struct TableArgs {
    /// A ruleset name (of the project or embedded) or a ruleset file
    #[arg(value_name = "RULESET")]
    pub ruleset: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = TableFormat::Markdown)]
    pub format: TableFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Markdown,
    Html,
    Csv,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  cadrage rules\n  cadrage rules expertise\n  cadrage rules --code management.work_is_the_managers_job"
)]
pub struct RulesArgs {
    /// A ruleset name (of the project or embedded) or a ruleset file; default: the project's default, else `management`
    #[arg(value_name = "RULESET")]
    pub ruleset: Option<String>,

    /// Explain one rule, by its path `RULESET.rule`
    #[arg(long, value_name = "PATH")]
    pub code: Option<String>,
}

const LSP_EXAMPLES: &str = "\
Editors start it themselves; see docs/editors.md for VS Code, Neovim, Helix
and Emacs. It speaks the Language Server Protocol on standard input and
output and logs to standard error.

Examples:
  cadrage lsp";

const FMT_EXAMPLES: &str = "\
Examples:
  cadrage fmt                        # format every *.cadrage file below the current folder
  cadrage fmt plans/q3.cadrage
  cadrage fmt --check .              # CI: exit 1 and show a diff if a file is not formatted
  cadrage fmt --stdin < plan.cadrage # for editors: formatted text on stdout

A file with syntax errors is left as it is: its errors are shown and the exit
status is 2. Exit status: 0 when every file is (or now is) formatted, 1 when
--check finds a file to reformat, 2 when a file could not be formatted.";

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files and folders to format; folders are searched for *.cadrage files
    #[arg(default_value = ".", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: print a diff and exit 1 if a file is not formatted
    #[arg(long)]
    pub check: bool,

    /// Format standard input to standard output
    #[arg(long, conflicts_with_all = ["paths", "check"])]
    pub stdin: bool,
}

const TEST_EXAMPLES: &str = "\
Examples:
  cadrage test rulesets                  # every ruleset under rulesets/, with inherited tests
  cadrage test rulesets --format junit > tests.xml

Exit status: 0 when every test passes, 1 when one fails, 2 when the tests
could not run (a path that does not exist, no ruleset under the paths).";

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Files and folders holding rulesets; folders are searched for *.cadrage files
    #[arg(default_value = ".", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,

    /// When to use colours in human output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    /// One line per test, with the differences of failed ones
    Human,
    /// One JSON document
    Json,
    /// JUnit XML, for CI test reports
    Junit,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  cadrage check                          # every *.cadrage file below the current folder
  cadrage check examples plans/q3.cadrage
  cadrage check plans --format json      # one JSON document on stdout (docs/cli.md)
  cadrage check plans --format sarif > cadrage.sarif   # for code scanning (docs/ci.md)
  cadrage check plans --format github    # annotations in GitHub Actions
  cadrage check plans --fail-on warning  # exit 1 on warnings too
  cadrage check plans --today 2027-07-01 # judge `allow ... until` as of that day

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when the
check could not run (a bad argument, a path that does not exist, a broken
cadrage.toml).";

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files and folders to check; folders are searched for *.cadrage files
    #[arg(default_value = ".", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The lowest severity that makes the exit status 1
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,

    /// The day that `allow ... until DATE` is compared with (YYYY-MM-DD; default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<(u16, u8, u8)>,

    /// When to use colours in human output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Findings with source snippets, for people
    Human,
    /// One JSON document (docs/language.md, section 8)
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards (docs/ci.md)
    Sarif,
    /// GitHub Actions workflow commands: annotations on pull requests
    Github,
    /// JUnit XML: a test case per scenario, for CI test reports
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colours on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

fn parse_date(s: &str) -> Result<(u16, u8, u8), String> {
    let d: jiff::civil::Date = s.parse().map_err(|_| format!("`{s}` is not a date: write YYYY-MM-DD"))?;
    let (Ok(y), Ok(m), Ok(day)) = (u16::try_from(d.year()), u8::try_from(d.month()), u8::try_from(d.day())) else {
        return Err(format!("`{s}` is not a date: write YYYY-MM-DD"));
    };
    Ok((y, m, day))
}

/// Today's date where the user is.
pub fn today() -> (u16, u8, u8) {
    let d = jiff::Zoned::now().date();
    (u16::try_from(d.year()).unwrap_or(1970), u8::try_from(d.month()).unwrap_or(1), u8::try_from(d.day()).unwrap_or(1))
}
