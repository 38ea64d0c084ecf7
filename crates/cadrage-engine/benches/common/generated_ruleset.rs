//! The generated ruleset of the static-analysis benchmark, shared with
//! `examples/static_findings.rs` (which prints its findings and runs the
//! analysis under a profiler).

/// A small deterministic generator (no dependency needed for this).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// 12 dimensions `d0`..`d11` of 10 values, 4 models, `rules` rules (for
/// 200: 140 `expect` rules over three priorities, 40 `deny`, 20 `require`);
/// each condition has two or three atoms (`in` lists, `not`, `or`). The
/// benchmark's ruleset is `generated_ruleset(200, 42)`.
pub fn generated_ruleset(rules: usize, seed: u64) -> String {
    let mut g = Lcg(seed);
    let mut s = String::from("ruleset big {\n  model m0\n  model m1\n  model m2\n  model m3\n");
    for d in 0..12 {
        s.push_str(&format!("  dimension d{d} {{"));
        for v in 0..10 {
            s.push_str(&format!(" v{v}"));
        }
        s.push_str(" }\n");
    }
    for r in 0..rules {
        let atoms = 2 + g.next(2);
        let mut parts = Vec::new();
        for _ in 0..atoms {
            let d = g.next(12);
            let k = 1 + g.next(4);
            let mut vals: Vec<String> = (0..k).map(|_| format!("v{}", g.next(10))).collect();
            vals.sort();
            vals.dedup();
            let atom = format!("d{d} in [{}]", vals.join(", "));
            parts.push(if g.next(5) == 0 { format!("not {atom}") } else { atom });
        }
        let cond = if g.next(4) == 0 {
            let last = parts.pop().unwrap_or_default();
            format!("({}) or {last}", parts.join(" and "))
        } else {
            parts.join(" and ")
        };
        let conclusion = match r % 10 {
            0..=6 => format!("expect m{} priority {}", g.next(4), g.next(3)),
            7 | 8 => "deny".to_string(),
            _ => format!("require d{}", g.next(12)),
        };
        s.push_str(&format!("  rule r{r} {{ when {cond} {conclusion} }}\n"));
    }
    s.push_str("}\n");
    s
}
