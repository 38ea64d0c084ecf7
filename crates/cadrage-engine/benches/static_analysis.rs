//! The static analysis of a generated ruleset of 200 rules over 12
//! dimensions of 10 values each (issue 4: well under a second).

use std::hint::black_box;

// The allocator of the `cadrage` binary (crates/cadrage-cli/src/main.rs), so
// that the figures are the shipped program's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use cadrage_engine::analysis::check_ruleset;
use cadrage_engine::{Project, Source};
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/generated_ruleset.rs"]
mod generated_ruleset;
use generated_ruleset::generated_ruleset;

fn bench(c: &mut Criterion) {
    let text = generated_ruleset(200, 42);
    let project =
        Project::builder().without_builtins().ruleset_file("big.cadrage", Source::new("big.cadrage", text)).build();
    let Some(rs) = project.ruleset("big") else { return };
    let findings = check_ruleset(rs);
    let count = |code: &str| findings.iter().filter(|f| f.code.to_string() == code).count();
    eprintln!(
        "generated ruleset: {} rules; findings: {} conflict, {} dead-rule, {} gap, {} unused-value",
        rs.rules.len(),
        count("cadrage::conflict"),
        count("cadrage::dead-rule"),
        count("cadrage::gap"),
        count("cadrage::unused-value")
    );
    c.bench_function("static analysis, 200 rules x 12 dimensions x 10 values", |b| {
        b.iter(|| check_ruleset(black_box(rs)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
