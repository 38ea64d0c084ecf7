//! "Did you mean": the nearest known name by edit distance.

/// The candidate nearest to `wanted`, if it is near enough to be a typo.
pub fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = match wanted.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        n => (n / 3).max(3),
    };
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, c)| *d <= limit || c.starts_with(wanted) && wanted.len() >= 3)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// "`x`, `y` or `z`"
pub fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "`x`, `y` and `z`"
pub fn list_and(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_matched_and_strangers_are_not() {
        let values = ["announce", "awareness", "performance", "daily_work"];
        assert_eq!(did_you_mean("anounce", values), Some("announce"));
        assert_eq!(did_you_mean("perfomance", values), Some("performance"));
        assert_eq!(did_you_mean("daily", values), Some("daily_work"));
        assert_eq!(did_you_mean("zzz", values), None);
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
