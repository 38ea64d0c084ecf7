//! Criterion benchmarks of the checking pipeline, one group per stage:
//!
//! - `parse`: `cadrage_syntax::parse` of a generated plan file (pest + AST);
//! - `resolve`: building the embedded project (parse, resolve and compile the
//!   `management` ruleset);
//! - `check`: `Project::check` of the same file (parse + evaluate + findings);
//!   the evaluation cost is `check` minus `parse`.
//! - `analyse`: static checks of rulesets, added with them (issue 6, "static
//!   analysis"); see the marked place below.
//!
//! Inputs are generated here from a fixed seed, like the peer benchmark's
//! corpus (`use management`, plans with phases and inherited defaults, plain
//! scenarios, comments, non-ASCII titles and kpis), so that the figures do not
//! depend on files outside the crate. Run: `cargo bench -p cadrage-engine`.

#![expect(clippy::indexing_slicing, reason = "picks an index below the length")]

use std::fmt::Write as _;
use std::hint::black_box;

// The allocator of the `cadrage` binary (crates/cadrage-cli/src/main.rs), so
// that the figures are the shipped program's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use cadrage_engine::{CheckOptions, Project, Source};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A small deterministic generator (xorshift64*), enough to vary the facts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PURPOSES: &[&str] = &["emerge", "convince", "awareness", "announce", "performance", "daily_work", "innovation"];
const AUDIENCES: &[&str] = &["own_team", "company", "customers", "partners"];
const LEADERS: &[&str] = &["manager", "community_manager", "communication_team", "agency"];
const DRIVERS: &[&str] = &["everyday_work", "communication"];
const REVIEWS: &[&str] = &["blame_people", "examine_system"];
const MODELS: &[&str] = &["community", "socio_collaborative", "community + socio_collaborative"];
const TITLES: &[&str] = &[
    "Merger: questions and answers — Lyon",
    "Atelier maintenance — R&D",
    "Town hall 🎉",
    r#"Qualität \"Plus\" \u{2713}"#,
];
const KPIS: &[&str] = &["顧客満足度 90% 以上", "E-mails internes −30 %", "3 partner prototypes per year"];

fn facts(rng: &mut Rng, out: &mut String, indent: &str) {
    let _ = writeln!(out, "{indent}purpose  {}", rng.pick(PURPOSES));
    let _ = writeln!(out, "{indent}audience {}, {}", rng.pick(AUDIENCES), rng.pick(AUDIENCES));
    let _ = writeln!(out, "{indent}led_by   {}  # who leads", rng.pick(LEADERS));
    if rng.chance(60) {
        let _ = writeln!(out, "{indent}driver   {}", rng.pick(DRIVERS));
    }
    if rng.chance(45) {
        let _ = writeln!(out, "{indent}review   {}", rng.pick(REVIEWS));
    }
    if rng.chance(95) {
        let _ = writeln!(out, "{indent}model    {}", rng.pick(MODELS));
    }
    if rng.chance(75) {
        let _ = writeln!(out, "{indent}kpi      \"{}\"", rng.pick(KPIS));
    }
}

/// A file of `scenarios` scenarios, about half of them in plans.
fn generate(scenarios: usize, seed: u64) -> String {
    let mut rng = Rng(seed.max(1));
    let mut out = String::from("use management\n\n# generated for the benchmarks\n");
    let mut n = 0;
    while n < scenarios {
        if rng.chance(50) {
            let _ = writeln!(out, "plan plan_{n} \"{}\" {{", rng.pick(TITLES));
            let _ = writeln!(out, "  led_by manager");
            let _ = writeln!(out, "  phase phase_{n} {{\n    review examine_system");
            for _ in 0..(3 + rng.next() % 5) {
                let _ = writeln!(out, "    scenario s_{n} \"{}\" {{", rng.pick(TITLES));
                facts(&mut rng, &mut out, "      ");
                out.push_str("    }\n");
                n += 1;
            }
            out.push_str("  }\n}\n\n");
        } else {
            let _ = writeln!(out, "scenario s_{n} \"{}\" {{", rng.pick(TITLES));
            facts(&mut rng, &mut out, "  ");
            out.push_str("}\n\n");
            n += 1;
        }
    }
    out
}

fn stages(c: &mut Criterion) {
    let opts = CheckOptions::on((2027, 1, 1));
    let project = Project::embedded();
    for size in [100usize, 1000] {
        let text = generate(size, 1);
        // The generated text must be what it claims: a valid plan file.
        let parsed = cadrage_syntax::parse(&text);
        assert!(parsed.errors.is_empty(), "generated text has syntax errors: {:?}", parsed.errors.first());
        assert!(cadrage_syntax::parse_fast_path(&text).is_some(), "generated text misses the fast path");
        let source = Source::new("bench.cadrage", text.as_str());

        let mut parse = c.benchmark_group("parse");
        parse.throughput(Throughput::Bytes(text.len() as u64));
        parse.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, t| {
            b.iter(|| black_box(cadrage_syntax::parse(black_box(t))))
        });
        parse.finish();

        // The pest grammar alone, which reads files with errors and rulesets.
        let mut pest = c.benchmark_group("parse_pest");
        pest.throughput(Throughput::Bytes(text.len() as u64));
        pest.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, t| {
            b.iter(|| black_box(cadrage_syntax::parse_with_pest(black_box(t))))
        });
        pest.finish();

        let mut check = c.benchmark_group("check");
        check.throughput(Throughput::Elements(size as u64));
        check.bench_with_input(BenchmarkId::from_parameter(size), &source, |b, s| {
            b.iter(|| black_box(project.check(black_box(s), None, &opts)))
        });
        check.finish();
    }

    c.bench_function("resolve/embedded", |b| b.iter(|| black_box(Project::embedded())));

    // The static checks of a ruleset: 200 rules over 12 dimensions of 10
    // values (also `benches/static_analysis.rs`, which prints the findings).
    let text = generated_ruleset(200, 42);
    let big =
        Project::builder().without_builtins().ruleset_file("big.cadrage", Source::new("big.cadrage", text)).build();
    if let Some(rs) = big.ruleset("big") {
        c.bench_function("analyse/200_rules", |b| b.iter(|| black_box(check_ruleset(black_box(rs)))));
    }
}

#[path = "common/generated_ruleset.rs"]
mod generated_ruleset;
use cadrage_engine::analysis::check_ruleset;
use generated_ruleset::generated_ruleset;

criterion_group!(benches, stages);
criterion_main!(benches);
