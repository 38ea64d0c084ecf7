//! `cadrage check`.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use cadrage_engine::source::Loc;
use cadrage_engine::{CheckOptions, Counts, EngineCode, FileReport, Finding, Project, Severity, Source};

use crate::cli::{CheckArgs, FailOn, Format};
use crate::output::spool::Spool;
use crate::output::written;
use crate::output::{Output, Rendered, Renderer, github::Github, human::Human, json::Json, junit::Junit, sarif::Sarif};
use cadrage_workspace::{self as workspace, ToolError};

/// One unit of output: a checked file, or a project ruleset file with
/// findings that was not among the checked ones.
enum Work<'a> {
    Target(&'a workspace::Target),
    Ruleset(&'a Project, usize),
}

impl Work<'_> {
    fn name(&self) -> &str {
        match self {
            Work::Target(t) => &t.display,
            Work::Ruleset(p, i) => p.ruleset_files().get(*i).map(|f| f.source.name.as_str()).unwrap_or(""),
        }
    }
}

pub fn run(args: &CheckArgs) -> Result<ExitCode, ToolError> {
    // The embedded rulesets are read on another thread while the files to
    // check are found: both are start-up, before any core can check a file.
    let files = std::thread::scope(|s| {
        s.spawn(cadrage_engine::builtin::prepare);
        workspace::find(&args.paths)
    })?;
    let loaded = workspace::load_found(files)?;
    let mut opts = CheckOptions::on(args.today.unwrap_or_else(crate::cli::today));
    // Only the JSON output shows remedies; the others need not search them.
    opts.remedies = matches!(args.format, Format::Json);
    // Only the human output shows the labels of spans.
    opts.labels = matches!(args.format, Format::Human);

    let checked: HashSet<&str> = loaded.targets.iter().map(|t| t.key.as_str()).collect();
    let mut work: Vec<Work<'_>> = loaded.targets.iter().map(Work::Target).collect();
    for p in &loaded.projects {
        for (i, f) in p.ruleset_files().iter().enumerate() {
            if !f.findings.is_empty() && !checked.contains(f.key.as_str()) {
                work.push(Work::Ruleset(p, i));
            }
        }
    }
    work.sort_by(|a, b| a.name().cmp(b.name()));
    let file_count = loaded.targets.len();

    let color = crate::commands::use_color(args.color);
    let width = terminal_width().unwrap_or(100);
    let renderer: Box<dyn Renderer> = match args.format {
        Format::Human => Box::new(Human::new(color, width)),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
        Format::Github => Box::new(Github),
        Format::Junit => Box::new(Junit { threshold: threshold(args.fail_on) }),
    };
    let progress = Progress::new(work.len());

    // Files are checked on every core, and their outputs printed (or, for
    // one-document formats, kept) in order by whichever worker finds the
    // next one ready: the serial part of the output overlaps the checking,
    // and memory stays bounded by the few files checked ahead of the one
    // being written.
    let sink = Sink { format: args.format, color, width, file_count, projects: &loaded.projects, progress: &progress };
    let writer = crate::ordered::run(
        &work,
        workers(),
        AHEAD,
        |w| {
            let report = match w {
                Work::Target(t) => check_target(t, &opts),
                Work::Ruleset(p, i) => ruleset_report(p, *i),
            };
            let r = renderer.render(&report);
            progress.tick();
            r
        },
        Writer::start(sink),
        Writer::put,
    );
    let totals = writer.finish()?;

    let failed = threshold(args.fail_on).is_some_and(|t| totals.any_at_or_above(t));
    // The process ends right after: freeing the projects one allocation at
    // a time (their remembered remedies, thousands on a large corpus) kept
    // one core busy ~3 ms after the output was complete; the system takes
    // the memory back at once.
    drop((work, checked));
    std::mem::forget(loaded);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Worker threads: one per core, or `RAYON_NUM_THREADS` when set (the
/// variable the commands that use rayon's pool read), without starting
/// that pool: two idle threads spawned before the first file is checked.
fn workers() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(std::num::NonZero::get))
        .unwrap_or(2)
}

/// Standard output as a plain file (a duplicate of its descriptor, sharing
/// its offset and mode): Rust's `Stdout` is line-buffered and looks for a
/// line break in every byte written through it, 2 % of a large JSON check.
/// `None` when the descriptor cannot be duplicated (then `Stdout` is used).
fn stdout_file() -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        std::io::stdout().as_fd().try_clone_to_owned().ok().map(std::fs::File::from)
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        std::io::stdout().as_handle().try_clone_to_owned().ok().map(std::fs::File::from)
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// How many files the workers may check ahead of the one being written:
/// enough that none waits for the writer, few enough that the outputs
/// waiting stay small (~2.3 MB of JSON at 100 scenarios per file; every
/// megabyte held is also first touched, a page fault per 4 KiB).
const AHEAD: usize = 32;

/// The writer's buffer, for the small writes: a file's output (a JSON
/// file's findings are ~70 KB) is larger and goes out directly, not copied
/// through it.
const BUFFER: usize = 8 << 10;

/// The writer's side of `check`: everything it needs to print.
struct Sink<'a> {
    format: Format,
    color: bool,
    width: usize,
    file_count: usize,
    projects: &'a [Arc<Project>],
    progress: &'a Progress,
}

/// Where the output goes: standard output as a file, or `Stdout`.
type Out = Box<dyn Write + Send>;

/// The output of a check, written as the files' outputs come, in order.
struct Writer<'a> {
    sink: Sink<'a>,
    totals: Counts,
    state: State,
}

enum State {
    /// The JSON document: its findings written as the files' come; the
    /// first error of its temporary files, if any (the run stops there).
    Json(crate::output::json::Document<Out>, Result<(), crate::output::json::DocumentError>),
    /// The SARIF log: its results written as the files' come, after a
    /// comma once there is one.
    Sarif { out: Output<Out>, any: bool },
    /// The JUnit report: its totals come first, so the files' test suites
    /// wait in a spool (in memory, then in a temporary file); the first
    /// error of that file, if any (the run stops there).
    Junit { out: Output<Out>, suites: Spool, tests: usize, failures: usize, spooled: std::io::Result<()> },
    /// Human and GitHub output, printed as it comes; the allowed findings
    /// and counts for the summary at the end.
    Other { out: Output<Out>, scenarios: usize, allowed: usize, allowed_lines: String },
}

impl<'a> Writer<'a> {
    fn start(sink: Sink<'a>) -> Writer<'a> {
        let out: Out = match stdout_file() {
            Some(file) => Box::new(std::io::BufWriter::with_capacity(BUFFER, file)),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        };
        let state = match sink.format {
            Format::Json => State::Json(
                crate::output::json::Document::start(out, sink.file_count, crate::output::spool::LIMIT),
                Ok(()),
            ),
            Format::Sarif => {
                let mut out = Output::new(out);
                let _ = out.write_all(crate::output::sarif::head(sink.projects).as_bytes());
                State::Sarif { out, any: false }
            }
            Format::Junit => State::Junit {
                out: Output::new(out),
                suites: Spool::new(crate::output::spool::LIMIT),
                tests: 0,
                failures: 0,
                spooled: Ok(()),
            },
            Format::Human | Format::Github => {
                State::Other { out: Output::new(out), scenarios: 0, allowed: 0, allowed_lines: String::new() }
            }
        };
        Writer { sink, totals: Counts::default(), state }
    }

    /// Adds one file's output; false when the run cannot go on.
    fn put(&mut self, r: Rendered) -> bool {
        self.totals.merge(r.counts);
        let progress = self.sink.progress;
        match &mut self.state {
            State::Json(doc, ended) => {
                // The findings go out now: a progress bar on the same terminal steps aside.
                *ended = progress.suspend(|| doc.add(r));
                ended.is_ok()
            }
            State::Sarif { out, any } => {
                progress.suspend(|| {
                    for piece in [&r.findings, &r.allowed] {
                        if !piece.is_empty() {
                            if *any {
                                let _ = out.write_all(b",");
                            }
                            let _ = out.write_all(piece.as_bytes());
                            *any = true;
                        }
                    }
                });
                true
            }
            State::Junit { suites, tests, failures, spooled, .. } => {
                *tests += r.cases;
                *failures += r.failed_cases;
                *spooled = suites.push(r.findings);
                spooled.is_ok()
            }
            State::Other { out, scenarios, allowed, allowed_lines } => {
                *scenarios += r.scenarios;
                *allowed += r.allowed_count;
                if matches!(self.sink.format, Format::Human) {
                    progress.suspend(|| {
                        let _ = out.write_all(r.findings.as_bytes());
                    });
                    allowed_lines.push_str(&r.allowed);
                } else {
                    let _ = out.write_all(r.findings.as_bytes());
                }
                true
            }
        }
    }

    /// Writes the end of the output and flushes it; returns the counts of the run.
    fn finish(self) -> Result<Counts, ToolError> {
        use crate::output::json::DocumentError;
        let Writer { sink, totals, state } = self;
        sink.progress.finish();
        match state {
            State::Json(doc, ended) => match ended.and_then(|()| doc.finish()) {
                Ok(_) => Ok(totals),
                Err(DocumentError::Output(e)) => written(Err::<(), _>(e)).map(|()| totals),
                Err(DocumentError::Spool(e)) => Err(ToolError::Spool(e.to_string())),
            },
            State::Sarif { mut out, .. } => {
                let _ = out.write_all(crate::output::sarif::TAIL.as_bytes());
                written(out.finish()).map(|()| totals)
            }
            State::Junit { mut out, suites, tests, failures, spooled } => {
                spooled.map_err(|e| ToolError::Spool(e.to_string()))?;
                let _ = out.write_all(crate::output::junit::head(tests, failures).as_bytes());
                suites.copy_to(&mut out, 0).map_err(|e| ToolError::Spool(e.to_string()))?;
                let _ = out.write_all(crate::output::junit::TAIL.as_bytes());
                written(out.finish()).map(|()| totals)
            }
            State::Other { mut out, scenarios, allowed, allowed_lines } => {
                let (file_count, width) = (sink.file_count, sink.width);
                let _ = match sink.format {
                    Format::Human => {
                        let human = Human::new(sink.color, width);
                        if !allowed_lines.is_empty() {
                            let _ = writeln!(out, "allowed findings:");
                            let _ = out.write_all(allowed_lines.as_bytes());
                            let _ = writeln!(out);
                        }
                        out.write_all(human.summary(file_count, scenarios, totals, allowed).as_bytes())
                    }
                    Format::Github => {
                        // A plain line for the log; annotations are the commands above.
                        let human = Human::new(false, width);
                        out.write_all(human.summary(file_count, scenarios, totals, allowed).as_bytes())
                    }
                    Format::Json | Format::Sarif | Format::Junit => Ok(()),
                };
                written(out.finish()).map(|()| totals)
            }
        }
    }
}

/// The lowest severity that fails the run (`None`: never).
fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Hint => Some(Severity::Hint),
        FailOn::Never => None,
    }
}

fn check_target(t: &workspace::Target, opts: &CheckOptions) -> FileReport {
    match workspace::read_target(&t.path) {
        Ok(text) => {
            let source = Source::new(t.display.clone(), text);
            t.project.check(&source, Some(&t.key), opts)
        }
        Err(message) => {
            let source = Source::new(t.display.clone(), "");
            let loc = Loc::new(&source, cadrage_syntax::Span::at(0));
            FileReport {
                source: Arc::clone(&source),
                findings: vec![Finding::engine(EngineCode::Io, loc, message)],
                allowed: Vec::new(),
                classifications: Vec::new(),
                scenarios: 0,
            }
        }
    }
}

fn ruleset_report(p: &Project, i: usize) -> FileReport {
    let file = p.ruleset_files().get(i);
    let source = file.map(|f| Arc::clone(&f.source)).unwrap_or_else(|| Source::new("", ""));
    FileReport {
        source,
        findings: file.map(|f| f.findings.clone()).unwrap_or_default(),
        allowed: Vec::new(),
        classifications: Vec::new(),
        scenarios: 0,
    }
}

fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(100))
}

/// A progress bar on a terminal for long runs; nothing in CI or when piped.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(total: usize) -> Progress {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if !on_terminal || total < 200 {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr_with_hz(10),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template("checking {bar:30} {pos}/{len} files") {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    fn tick(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }

    /// Runs `f` with the bar cleared from the terminal, then draws it again.
    fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
