//! Work done in parallel, its results taken in order: the files of a check
//! are checked by every core while one thread writes their output in the
//! order of the files.
//!
//! Each worker takes the next item as soon as it is free (no batch to wait
//! for at the end of a chunk: with chunks, one core sat idle at the end of
//! each while the other finished its last file), but never more than
//! `window` items ahead of the consumer, so that the results waiting to be
//! taken stay few however many items there are.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Condvar, Mutex, PoisonError};

/// Runs `work` on every item on `workers` threads and hands the results to
/// `consume` in the order of `items`, as they become ready; returns what
/// `consume` returns. If `consume` stops early, the workers stop after the
/// item they are on. A panic in `work` stops the others and is raised again
/// here once every thread has stopped (the consumer sees the results
/// before it, then the end).
pub fn run<T: Sync, R: Send, O>(
    items: &[T],
    workers: usize,
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    consume: impl FnOnce(&mut dyn Iterator<Item = R>) -> O,
) -> O {
    let next = AtomicUsize::new(0);
    let gate = Gate { taken: Mutex::new(0), moved: Condvar::new(), stop: AtomicBool::new(false) };
    let window = window.max(1);
    std::thread::scope(|s| {
        let (tx, rx) = channel::<(usize, R)>();
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            let tx = tx.clone();
            let (next, gate, work) = (&next, &gate, &work);
            s.spawn(move || {
                let _stop_on_panic = StopOnPanic(gate);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if !gate.wait_for_room(i, window) || tx.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut in_order = InOrder { rx, pending: VecDeque::new(), next: 0, gate: &gate };
        let out = consume(&mut in_order);
        // Workers waiting for room wake up and stop; those still working
        // find the channel closed when they send.
        gate.stop();
        drop(in_order);
        out
    })
}

/// How far the consumer has taken, for the workers to wait on.
struct Gate {
    taken: Mutex<usize>,
    moved: Condvar,
    stop: AtomicBool,
}

impl Gate {
    /// Waits until item `i` is within `window` of the consumer; false when
    /// the run is stopping.
    fn wait_for_room(&self, i: usize, window: usize) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while i >= *taken + window && !self.stop.load(Ordering::Acquire) {
            taken = self.moved.wait(taken).unwrap_or_else(PoisonError::into_inner);
        }
        !self.stop.load(Ordering::Acquire)
    }

    fn advance(&self, taken: usize) {
        *self.taken.lock().unwrap_or_else(PoisonError::into_inner) = taken;
        self.moved.notify_all();
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        // Taken under the lock, so that no worker misses the wake-up
        // between its test and its wait.
        drop(self.taken.lock().unwrap_or_else(PoisonError::into_inner));
        self.moved.notify_all();
    }
}

/// Stops the run when a worker unwinds, so that the others do not wait
/// for room that its missing result would never make.
struct StopOnPanic<'a>(&'a Gate);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// The results in order: those that come early wait in `pending`.
struct InOrder<'a, R> {
    rx: Receiver<(usize, R)>,
    /// Results `next`, `next + 1`, ... as far as any has come.
    pending: VecDeque<Option<R>>,
    next: usize,
    gate: &'a Gate,
}

impl<R> Iterator for InOrder<'_, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(r) = self.pending.front_mut().and_then(Option::take) {
                self.pending.pop_front();
                self.next += 1;
                self.gate.advance(self.next);
                return Some(r);
            }
            // Every worker gone: all results taken, or a worker panicked.
            let (i, r) = self.rx.recv().ok()?;
            let at = i.checked_sub(self.next)?;
            if self.pending.len() <= at {
                self.pending.resize_with(at + 1, || None);
            }
            if let Some(slot) = self.pending.get_mut(at) {
                *slot = Some(r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn results_come_in_order_whatever_order_they_are_made_in() {
        let items: Vec<u64> = (0..500).collect();
        for workers in [1, 2, 3, 8] {
            let got = run(
                &items,
                workers,
                4,
                |&i| {
                    // Uneven work, so that later items often finish first.
                    std::thread::sleep(std::time::Duration::from_micros((i * 7919) % 300));
                    i * 2
                },
                |results| results.collect::<Vec<_>>(),
            );
            assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{workers} workers");
        }
    }

    #[test]
    fn workers_stay_within_the_window_of_the_consumer() {
        let items: Vec<usize> = (0..200).collect();
        let started = AtomicUsize::new(0);
        let window = 5;
        let ahead = run(
            &items,
            4,
            window,
            |&i| {
                started.fetch_max(i + 1, Ordering::SeqCst);
                i
            },
            |results| {
                let mut most = 0;
                for (taken, _) in results.enumerate() {
                    // Items started beyond those taken so far.
                    std::thread::sleep(std::time::Duration::from_micros(50));
                    most = most.max(started.load(Ordering::SeqCst).saturating_sub(taken));
                }
                most
            },
        );
        assert!(ahead <= window + 1, "{ahead} items ahead with a window of {window}");
        assert!(ahead >= 2, "the workers never ran ahead ({ahead})");
    }

    #[test]
    fn a_consumer_that_stops_early_stops_the_workers() {
        let items: Vec<usize> = (0..10_000).collect();
        let done = AtomicUsize::new(0);
        let first = run(
            &items,
            2,
            8,
            |&i| {
                done.fetch_add(1, Ordering::SeqCst);
                i
            },
            |results| results.take(3).collect::<Vec<_>>(),
        );
        assert_eq!(first, vec![0, 1, 2]);
        assert!(done.load(Ordering::SeqCst) < 100, "{} items done", done.load(Ordering::SeqCst));
    }

    #[test]
    fn a_panic_in_the_work_is_raised_after_the_results_before_it() {
        let items: Vec<usize> = (0..100).collect();
        let seen = Mutex::new(Vec::new());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(
                &items,
                2,
                4,
                |&i| {
                    assert!(i != 40, "item 40");
                    i
                },
                |results| results.for_each(|r| seen.lock().unwrap_or_else(PoisonError::into_inner).push(r)),
            )
        }));
        assert!(outcome.is_err());
        // In order, and nothing from item 40 on (a worker that was waiting
        // for room when the panic stopped the run may leave a few before it).
        let seen = seen.into_inner().unwrap_or_else(PoisonError::into_inner);
        assert!(seen.len() <= 40, "{seen:?}");
        assert_eq!(seen, (0..seen.len()).collect::<Vec<_>>());
    }

    #[test]
    fn no_items_no_work() {
        let got = run(&[] as &[u8], 2, 4, |&b| b, |results| results.count());
        assert_eq!(got, 0);
    }
}
