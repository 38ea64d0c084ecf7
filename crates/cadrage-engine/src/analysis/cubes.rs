//! Conditions as sets of fact combinations, represented as unions of cubes.
//!
//! Every dimension of a context becomes one or more *variables* with a
//! small finite domain:
//! - a single-valued dimension of `n` values: one variable of `n + 1`
//!   values, the last one meaning "not stated";
//! - a text dimension: one variable, 0 = not stated, 1 = stated;
//! - a `many` dimension (and `model`): one yes/no variable per value; all
//!   "no" means the fact is not stated.
//!
//! A cube fixes a set of allowed values per variable (a bit mask); a set of
//! combinations is a union of cubes. Conditions are three-valued, so each
//! condition has two sets: where it is true and where it is false (on the
//! rest it is unknown, because an atom reads a fact that is not stated).
//! A rule fires only where its condition is true.

use smol_str::SmolStr;

use crate::context::{CCond, CTest, Context, DimId};

use cadrage_syntax::ast::DimensionKind;

/// A union grows by cutting cubes; past this many the analysis gives up
/// rather than take unbounded time (the finding is then not reported).
pub const CUBE_LIMIT: usize = 50_000;

/// The analysis ran past [`CUBE_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// Values `0..n`; `n` is "not stated".
    Single(usize),
    /// 0: not stated, 1: stated.
    Text,
    /// Whether value `.0` of a `many` dimension is stated.
    ManyBit(usize),
}

#[derive(Debug, Clone)]
pub struct Var {
    pub dim: DimId,
    pub kind: VarKind,
}

impl Var {
    fn full(&self) -> u64 {
        match self.kind {
            VarKind::Single(n) => low_bits(n + 1),
            VarKind::Text | VarKind::ManyBit(_) => 0b11,
        }
    }
}

fn low_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// The variables of a context.
#[derive(Debug, Clone)]
pub struct Space {
    pub vars: Vec<Var>,
    /// The variables of each dimension.
    pub dim_vars: Vec<Vec<usize>>,
    full: Cube,
}

pub type Cube = Vec<u64>;

/// A union of cubes (not necessarily disjoint).
pub type Set = Vec<Cube>;

impl Space {
    /// `None` when a single-valued dimension has 64 values or more (a mask
    /// holds the values and "not stated" in one word).
    pub fn new(ctx: &Context) -> Option<Space> {
        let mut vars = Vec::new();
        let mut dim_vars = Vec::new();
        for (dim, d) in ctx.dims.iter().enumerate() {
            let mut mine = Vec::new();
            let many = d.is_many() || dim == crate::context::MODEL;
            match d.kind {
                DimensionKind::Text => {
                    mine.push(vars.len());
                    vars.push(Var { dim, kind: VarKind::Text });
                }
                _ if many => {
                    for i in 0..d.values.len() {
                        mine.push(vars.len());
                        vars.push(Var { dim, kind: VarKind::ManyBit(i) });
                    }
                }
                _ => {
                    if d.values.len() >= 64 {
                        return None;
                    }
                    mine.push(vars.len());
                    vars.push(Var { dim, kind: VarKind::Single(d.values.len()) });
                }
            }
            dim_vars.push(mine);
        }
        let full = vars.iter().map(Var::full).collect();
        Some(Space { vars, dim_vars, full })
    }

    pub fn full(&self) -> Cube {
        self.full.clone()
    }

    fn with(&self, var: usize, mask: u64) -> Cube {
        let mut c = self.full();
        if let Some(m) = c.get_mut(var) {
            *m = mask;
        }
        c
    }

    /// The combinations where the dimension is stated.
    pub fn stated(&self, dim: DimId) -> Set {
        let vars = self.dim_vars.get(dim).map(Vec::as_slice).unwrap_or(&[]);
        let mut out = Vec::new();
        for &v in vars {
            match self.vars.get(v).map(|x| x.kind) {
                Some(VarKind::Single(n)) => out.push(self.with(v, low_bits(n))),
                Some(VarKind::Text) | Some(VarKind::ManyBit(_)) => out.push(self.with(v, 0b10)),
                None => {}
            }
        }
        out
    }

    /// The combinations where the dimension is not stated.
    pub fn missing(&self, dim: DimId) -> Set {
        let vars = self.dim_vars.get(dim).map(Vec::as_slice).unwrap_or(&[]);
        let mut c = self.full();
        for &v in vars {
            let (Some(var), Some(m)) = (self.vars.get(v), c.get_mut(v)) else { continue };
            *m = match var.kind {
                VarKind::Single(n) => 1 << n,
                VarKind::Text | VarKind::ManyBit(_) => 0b01,
            };
        }
        vec![c]
    }

    /// (where `c` is true, where it is false).
    pub fn tri(&self, c: &CCond) -> Result<(Set, Set), TooLarge> {
        match c {
            CCond::Atom { dim, test, .. } => Ok(self.atom(*dim, test)),
            CCond::Not(x) => {
                let (t, f) = self.tri(x)?;
                Ok((f, t))
            }
            CCond::And(xs) => {
                let mut t: Set = vec![self.full()];
                let mut f: Set = Vec::new();
                for x in xs {
                    let (xt, xf) = self.tri(x)?;
                    t = intersect(&t, &xt)?;
                    f.extend(xf);
                    f = simplify(f)?;
                }
                Ok((t, f))
            }
            CCond::Or(xs) => {
                let mut t: Set = Vec::new();
                let mut f: Set = vec![self.full()];
                for x in xs {
                    let (xt, xf) = self.tri(x)?;
                    t.extend(xt);
                    t = simplify(t)?;
                    f = intersect(&f, &xf)?;
                }
                Ok((t, f))
            }
        }
    }

    fn atom(&self, dim: DimId, test: &CTest) -> (Set, Set) {
        match test {
            CTest::Present => (self.stated(dim), self.missing(dim)),
            CTest::Missing => (self.missing(dim), self.stated(dim)),
            CTest::AnyOf(set) => {
                let vars = self.dim_vars.get(dim).map(Vec::as_slice).unwrap_or(&[]);
                let mut t = Vec::new();
                let mut f = Vec::new();
                let mut listed_off = self.full();
                let mut unlisted = Vec::new();
                for &v in vars {
                    match self.vars.get(v).map(|x| x.kind) {
                        Some(VarKind::Single(n)) => {
                            let mut mask = 0u64;
                            for i in set.iter().filter(|i| *i < n) {
                                mask |= 1 << i;
                            }
                            t.push(self.with(v, mask));
                            f.push(self.with(v, low_bits(n) & !mask));
                        }
                        // A value of a text fact is never known.
                        Some(VarKind::Text) | None => {}
                        Some(VarKind::ManyBit(i)) => {
                            if set.contains(i) {
                                t.push(self.with(v, 0b10));
                                if let Some(m) = listed_off.get_mut(v) {
                                    *m = 0b01;
                                }
                            } else {
                                unlisted.push(v);
                            }
                        }
                    }
                }
                // Many: false when stated with none of the listed values.
                for v in unlisted {
                    let mut c = listed_off.clone();
                    if let Some(m) = c.get_mut(v) {
                        *m = 0b10;
                    }
                    f.push(c);
                }
                t.retain(|c| !is_empty(c));
                f.retain(|c| !is_empty(c));
                (t, f)
            }
        }
    }

    /// One combination of the cube, as few stated facts as possible: "not
    /// stated" where the cube allows it, else the first allowed value.
    pub fn point(&self, c: &Cube) -> Cube {
        self.vars
            .iter()
            .zip(c)
            .map(|(var, &m)| match var.kind {
                VarKind::Single(n) if m & (1 << n) != 0 => 1 << n,
                _ if m & 1 != 0 && !matches!(var.kind, VarKind::Single(_)) => 1,
                _ => m & m.wrapping_neg(),
            })
            .collect()
    }
}

pub fn is_empty(c: &Cube) -> bool {
    c.contains(&0)
}

pub fn meet(a: &Cube, b: &Cube) -> Option<Cube> {
    let c: Cube = a.iter().zip(b).map(|(x, y)| x & y).collect();
    if is_empty(&c) { None } else { Some(c) }
}

fn contains(outer: &Cube, inner: &Cube) -> bool {
    outer.iter().zip(inner).all(|(o, i)| i & !o == 0)
}

/// The pairwise intersections of two unions.
pub fn intersect(a: &Set, b: &Set) -> Result<Set, TooLarge> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if let Some(c) = meet(x, y) {
                out.push(c);
            }
        }
        if out.len() > CUBE_LIMIT {
            return Err(TooLarge);
        }
    }
    simplify(out)
}

/// Drops empty cubes and cubes inside another one (when the union is small
/// enough for the quadratic pass to be cheap).
pub fn simplify(mut s: Set) -> Result<Set, TooLarge> {
    s.retain(|c| !is_empty(c));
    if s.len() > CUBE_LIMIT {
        return Err(TooLarge);
    }
    if s.len() <= 512 {
        let mut keep: Vec<bool> = vec![true; s.len()];
        for i in 0..s.len() {
            for j in 0..s.len() {
                if i == j || !keep.get(j).copied().unwrap_or(false) {
                    continue;
                }
                if let (Some(a), Some(b)) = (s.get(i), s.get(j)) {
                    // Keep the first of two equal cubes.
                    if contains(b, a) && (!contains(a, b) || j < i) {
                        if let Some(k) = keep.get_mut(i) {
                            *k = false;
                        }
                        break;
                    }
                }
            }
        }
        let mut it = keep.into_iter();
        s.retain(|_| it.next().unwrap_or(true));
    }
    Ok(s)
}

/// `a` minus `b`, as disjoint pieces of the cubes of `a`.
pub fn subtract(a: &Set, b: &Set) -> Result<Set, TooLarge> {
    let mut rest: Set = a.clone();
    for y in b {
        let mut next = Vec::with_capacity(rest.len());
        for x in &rest {
            cut(x, y, &mut next);
        }
        if next.len() > CUBE_LIMIT {
            return Err(TooLarge);
        }
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    Ok(rest)
}

/// Up to `limit` disjoint cubes of `a` minus `b`, found depth first
/// without computing the whole difference (which can be large even when a
/// few witnesses are all that is needed). The flag says that there are (or
/// may be) more. Gives up after `budget` steps: with what it found, or
/// with `TooLarge` when it found nothing.
///
/// A step is one cube taken from the search's stack: it is either kept (no
/// cube of `b` from where its search resumes meets it) or cut by the first
/// cube of `b` that meets it, into the pieces that [`subtract`] would make.
/// The cubes of `a` and `b` have the same length (those of one [`Space`]).
pub fn first_of_difference(a: &Set, b: &Set, limit: usize, budget: usize) -> Result<(Set, bool), TooLarge> {
    let width = a.first().map_or(0, Vec::len);
    let blockers = Blockers::new(a, b, width);
    // The stack, flat: cube after cube, and where each one's search resumes
    // in `b` (no allocation per step).
    let mut cubes: Vec<u64> = Vec::with_capacity(width * (a.len() + 64));
    let mut froms: Vec<usize> = Vec::with_capacity(a.len() + 64);
    for c in a.iter().rev() {
        let at = cubes.len();
        cubes.extend(c.iter().copied().take(width));
        cubes.resize(at + width, 0);
        // An empty cube meets no cube of `b`: its search starts past them
        // all (the pieces of a cube that is not empty are not empty).
        froms.push(if c.contains(&0) { b.len() } else { 0 });
    }
    let mut found: Set = Vec::new();
    let mut steps = 0usize;
    while let Some(from) = froms.pop() {
        // The cube on top of the stack, searched where it lies.
        let at = cubes.len().saturating_sub(width);
        steps += 1;
        if steps > budget {
            return if found.is_empty() { Err(TooLarge) } else { Ok((found, true)) };
        }
        let x = cubes.get(at..).unwrap_or(&[]);
        let Some((j, cuts)) = blockers.first_meeting(x, from) else {
            if found.len() == limit {
                return Ok((found, true));
            }
            found.push(x.to_vec());
            cubes.truncate(at);
            continue;
        };
        // The pieces of `x` minus the blocker, the first one on top: piece
        // `k` keeps the blocker's masks on the variables of the cuts before
        // it and the values outside it on its own. The last one takes the
        // place of `x`, the others copies of it.
        let pieces = cuts.iter().filter(|&&(v, m)| x.get(v).is_some_and(|xm| xm & !m != 0)).count();
        for _ in 1..pieces {
            cubes.extend_from_within(at..at + width);
        }
        if pieces == 0 {
            cubes.truncate(at);
        }
        let mut slot = at;
        for (k, &(v, m)) in cuts.iter().enumerate().rev() {
            // A slot holds `x` until it is made a piece.
            let Some(piece) = cubes.get_mut(slot..slot + width) else { break };
            let outside = piece.get(v).map_or(0, |xm| xm & !m);
            if outside == 0 {
                continue;
            }
            for &(u, um) in cuts.iter().take(k) {
                if let Some(pm) = piece.get_mut(u) {
                    *pm &= um;
                }
            }
            if let Some(pm) = piece.get_mut(v) {
                *pm = outside;
            }
            froms.push(j + 1);
            slot += width;
        }
    }
    Ok((found, false))
}

/// The cubes of `b` for a search in the cubes of `a`, each reduced to the
/// variables where it can exclude something: where its mask lacks a value
/// that a cube of `a` allows. On the other variables it contains every
/// cube of the search (they are all inside the cubes of `a`), so these
/// neither decide whether it meets one nor cut one.
struct Blockers {
    /// (variable, mask) of every cube of `b`, in variable order, cube after cube.
    cuts: Vec<(usize, u64)>,
    /// Where the cuts of each cube of `b` start and end in `cuts`.
    spans: Vec<(usize, usize)>,
}

impl Blockers {
    fn new(a: &Set, b: &Set, width: usize) -> Blockers {
        let mut allowed = vec![0u64; width];
        for c in a {
            for (u, m) in allowed.iter_mut().zip(c) {
                *u |= m;
            }
        }
        let mut cuts = Vec::new();
        let mut spans = Vec::with_capacity(b.len());
        for y in b {
            let start = cuts.len();
            for (v, (&u, &m)) in allowed.iter().zip(y).enumerate() {
                if u & !m != 0 {
                    cuts.push((v, m));
                }
            }
            spans.push((start, cuts.len()));
        }
        Blockers { cuts, spans }
    }

    /// The first cube of `b`, from index `from` on, that meets `x` (a cube
    /// that is not empty), with its cuts.
    fn first_meeting(&self, x: &[u64], from: usize) -> Option<(usize, &[(usize, u64)])> {
        let spans = self.spans.get(from..)?;
        for (k, &(start, end)) in spans.iter().enumerate() {
            let Some(cuts) = self.cuts.get(start..end) else { continue };
            let mut meets = true;
            for &(v, m) in cuts {
                if let Some(&xm) = x.get(v) {
                    if xm & m == 0 {
                        meets = false;
                        break;
                    }
                }
            }
            if meets {
                return Some((from + k, cuts));
            }
        }
        None
    }
}

/// Pushes `x` minus `y` as disjoint cubes.
fn cut(x: &Cube, y: &Cube, out: &mut Set) {
    if meet(x, y).is_none() {
        out.push(x.clone());
        return;
    }
    let mut inside = x.clone();
    for i in 0..x.len() {
        let (Some(&xm), Some(&ym)) = (inside.get(i), y.get(i)) else { continue };
        let outside = xm & !ym;
        if outside != 0 {
            let mut piece = inside.clone();
            if let Some(m) = piece.get_mut(i) {
                *m = outside;
            }
            out.push(piece);
        }
        if let Some(m) = inside.get_mut(i) {
            *m = xm & ym;
        }
    }
}

/// The name of a dimension's value from a bit of a variable.
pub fn names_of(ctx: &Context, var: &Var, mask: u64) -> Vec<SmolStr> {
    let Some(d) = ctx.dims.get(var.dim) else { return Vec::new() };
    match var.kind {
        VarKind::Single(n) => {
            (0..n).filter(|i| mask & (1 << i) != 0).filter_map(|i| d.values.get(i)).map(|v| v.name.clone()).collect()
        }
        VarKind::ManyBit(i) => d.values.get(i).map(|v| vec![v.name.clone()]).unwrap_or_default(),
        VarKind::Text => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtracting_a_cube_leaves_disjoint_pieces() {
        let a: Set = vec![vec![0b111, 0b11]];
        let b: Set = vec![vec![0b010, 0b01]];
        let rest = subtract(&a, &b).unwrap_or_default();
        // 3 * 2 = 6 combinations minus 1.
        let count: u32 = rest.iter().map(|c| c.iter().map(|m| m.count_ones()).product::<u32>()).sum();
        assert_eq!(count, 5);
        for (i, x) in rest.iter().enumerate() {
            for y in rest.iter().skip(i + 1) {
                assert!(meet(x, y).is_none(), "pieces overlap");
            }
            assert!(meet(x, &b[0]).is_none(), "a piece keeps a removed combination");
        }
    }

    /// The search as first written (a cube per allocation, every variable
    /// of every cube of `b` compared): the optimised one must take the same
    /// steps and find the same cubes.
    fn reference_first_of_difference(a: &Set, b: &Set, limit: usize, budget: usize) -> Result<(Set, bool), TooLarge> {
        let mut stack: Vec<(Cube, usize)> = a.iter().rev().map(|c| (c.clone(), 0)).collect();
        let mut found: Set = Vec::new();
        let mut steps = 0usize;
        while let Some((x, from)) = stack.pop() {
            steps += 1;
            if steps > budget {
                return if found.is_empty() { Err(TooLarge) } else { Ok((found, true)) };
            }
            match b.iter().enumerate().skip(from).find(|(_, y)| meet(&x, y).is_some()) {
                None => {
                    if found.len() == limit {
                        return Ok((found, true));
                    }
                    found.push(x);
                }
                Some((j, y)) => {
                    let mut pieces = Vec::new();
                    cut(&x, y, &mut pieces);
                    for p in pieces.into_iter().rev() {
                        stack.push((p, j + 1));
                    }
                }
            }
        }
        Ok((found, false))
    }

    /// Random unions of cubes over `masks.len()` variables, with full masks
    /// `masks` (small, so that cubes often meet); now and then an empty one.
    fn random_set(seed: &mut u64, masks: &[u64], cubes: usize) -> Set {
        let mut next = |n: u64| {
            *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (*seed >> 33) % n
        };
        (0..cubes)
            .map(|_| {
                masks
                    .iter()
                    .map(|&full| match next(4) {
                        0 | 1 => full,
                        _ => (next(full + 1)) & full,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_depth_first_search_takes_the_steps_of_the_reference() {
        let masks = [0b111, 0b11, 0b1111, 0b11, 0b11111];
        let mut seed = 7u64;
        for round in 0..400 {
            let a = random_set(&mut seed, &masks, 1 + round % 4);
            let b = random_set(&mut seed, &masks, round % 23);
            for (limit, budget) in [(1, 3), (1, 40), (1, 500), (5, 20_000), (0, 100)] {
                assert_eq!(
                    first_of_difference(&a, &b, limit, budget),
                    reference_first_of_difference(&a, &b, limit, budget),
                    "round {round}, limit {limit}, budget {budget}: {a:?} minus {b:?}"
                );
            }
        }
    }

    #[test]
    fn simplify_drops_contained_and_duplicate_cubes() {
        let s = simplify(vec![vec![0b01, 0b1], vec![0b11, 0b1], vec![0b11, 0b1], vec![0, 1]]).unwrap_or_default();
        assert_eq!(s, vec![vec![0b11, 0b1]]);
    }
}
