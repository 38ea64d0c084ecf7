//! Sets of values of one dimension, as bits.

/// A set of value indices. Dimensions of up to 64 values (all real ones)
/// fit in one word; larger ones spill to the heap.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueSet {
    Small(u64),
    Large(Box<[u64]>),
}

impl Default for ValueSet {
    fn default() -> Self {
        ValueSet::Small(0)
    }
}

impl ValueSet {
    pub fn empty() -> ValueSet {
        ValueSet::Small(0)
    }

    fn word(&self, i: usize) -> u64 {
        match self {
            ValueSet::Small(w) => {
                if i == 0 {
                    *w
                } else {
                    0
                }
            }
            ValueSet::Large(ws) => ws.get(i).copied().unwrap_or(0),
        }
    }

    fn words(&self) -> usize {
        match self {
            ValueSet::Small(_) => 1,
            ValueSet::Large(ws) => ws.len(),
        }
    }

    pub fn insert(&mut self, index: usize) {
        let (w, bit) = (index / 64, index % 64);
        match self {
            ValueSet::Small(word) if w == 0 => *word |= 1 << bit,
            ValueSet::Small(word) => {
                let mut ws = vec![0u64; w + 1];
                if let Some(first) = ws.first_mut() {
                    *first = *word;
                }
                if let Some(slot) = ws.get_mut(w) {
                    *slot |= 1 << bit;
                }
                *self = ValueSet::Large(ws.into_boxed_slice());
            }
            ValueSet::Large(ws) => {
                if ws.len() <= w {
                    let mut v = ws.to_vec();
                    v.resize(w + 1, 0);
                    *ws = v.into_boxed_slice();
                }
                if let Some(slot) = ws.get_mut(w) {
                    *slot |= 1 << bit;
                }
            }
        }
    }

    pub fn with(mut self, index: usize) -> ValueSet {
        self.insert(index);
        self
    }

    pub fn contains(&self, index: usize) -> bool {
        self.word(index / 64) & (1 << (index % 64)) != 0
    }

    pub fn intersects(&self, other: &ValueSet) -> bool {
        match (self, other) {
            (ValueSet::Small(a), ValueSet::Small(b)) => a & b != 0,
            _ => (0..self.words().max(other.words())).any(|i| self.word(i) & other.word(i) != 0),
        }
    }

    /// Same members (whatever the representation).
    pub fn same(&self, other: &ValueSet) -> bool {
        match (self, other) {
            (ValueSet::Small(a), ValueSet::Small(b)) => a == b,
            _ => (0..self.words().max(other.words())).all(|i| self.word(i) == other.word(i)),
        }
    }

    pub fn is_empty(&self) -> bool {
        (0..self.words()).all(|i| self.word(i) == 0)
    }

    pub fn len(&self) -> usize {
        (0..self.words()).map(|i| self.word(i).count_ones() as usize).sum()
    }

    /// Member indices, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.words()).flat_map(move |w| {
            let word = self.word(w);
            (0..64).filter(move |b| word & (1 << b) != 0).map(move |b| w * 64 + b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_sets_agree() {
        let a = ValueSet::empty().with(1).with(3);
        let b = ValueSet::empty().with(3).with(1);
        assert!(a.same(&b));
        assert!(a.intersects(&ValueSet::empty().with(3)));
        assert!(!a.intersects(&ValueSet::empty().with(2)));
        let big = ValueSet::empty().with(1).with(100);
        assert!(big.contains(100) && big.contains(1) && !big.contains(64));
        assert!(big.intersects(&a));
        assert_eq!(big.iter().collect::<Vec<_>>(), vec![1, 100]);
        assert_eq!(big.len(), 2);
        assert!(!big.same(&a));
        assert!(ValueSet::Large(vec![2, 0].into_boxed_slice()).same(&ValueSet::empty().with(1)));
    }
}
