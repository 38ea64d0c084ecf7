//! The findings of the static-analysis benchmark's ruleset, to compare
//! two versions of the analysis; or the analysis run `N` times, to profile
//! it with a repeatable instruction count:
//!
//! ```text
//! cargo build --release -p cadrage-engine --example static_findings
//! target/release/examples/static_findings > findings.txt
//! valgrind --tool=callgrind target/release/examples/static_findings 1
//! ```
//!
//! `SEED` and `RULES` in the environment change the generated ruleset
//! (default: the benchmark's, 42 and 200). Building the project checks the
//! ruleset's tests, which runs the analysis once more.

use cadrage_engine::analysis::check_ruleset;
use cadrage_engine::{Project, Source};

#[path = "../benches/common/generated_ruleset.rs"]
mod generated_ruleset;
use generated_ruleset::generated_ruleset;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = generated_ruleset(env_or("RULES", 200), env_or("SEED", 42));
    let project =
        Project::builder().without_builtins().ruleset_file("big.cadrage", Source::new("big.cadrage", text)).build();
    let Some(rs) = project.ruleset("big") else {
        eprintln!("the generated ruleset does not resolve");
        std::process::exit(1);
    };
    if runs > 0 {
        let findings: usize =
            (0..runs).map(|_| std::hint::black_box(check_ruleset(std::hint::black_box(rs))).len()).sum();
        println!("{findings} findings in {runs} runs");
        return;
    }
    let findings = check_ruleset(rs);
    for f in &findings {
        println!("{} {:?} {:?}", f.code, f.severity, f.loc.span);
        println!("  msg: {}", f.message);
        println!("  help: {:?} label: {:?}", f.help, f.label);
        for r in &f.related {
            println!("  related: {:?} {}", r.loc.span, r.message);
        }
        println!("  witness: {:?}", f.witness);
    }
    eprintln!("{} findings", findings.len());
}
