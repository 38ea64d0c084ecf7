//! Work done in parallel, its results written in order: the files of a
//! check are checked by every core, and their outputs written in the order
//! of the files.
//!
//! Each worker takes the next item as soon as it is free (no batch to wait
//! for at the end of a chunk: with chunks, one core sat idle at the end of
//! each while the other finished its last file), but never more than
//! `window` items ahead of the writing, so that the results waiting stay
//! few however many items there are. There is no writer thread: the worker
//! that finds the next result in order ready writes it, and any that
//! follow (a writer thread, a third thread on two cores, was woken and put
//! to sleep again for every file).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, TryLockError};

/// Runs `work` on every item on `workers` threads and gives the results to
/// `put`, one at a time and in the order of `items`, on whichever worker
/// holds the sink; returns the sink. `put` returns false to stop: the
/// workers stop after the item they are on, and the results not yet
/// written are dropped. A panic in `work` or `put` stops the others and is
/// raised again here once every thread has stopped.
pub fn run<T: Sync, R: Send, S: Send>(
    items: &[T],
    workers: usize,
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    sink: S,
    put: impl Fn(&mut S, R) -> bool + Sync,
) -> S {
    let run = Run {
        next: AtomicUsize::new(0),
        pending: Mutex::new(Pending { first: 0, results: VecDeque::new() }),
        room: Condvar::new(),
        stop: AtomicBool::new(false),
        sink: Mutex::new(sink),
        window: window.max(1),
    };
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                let _stop_on_panic = StopOnPanic(&run);
                while let Some(i) = run.take(items.len()) {
                    let Some(item) = items.get(i) else { break };
                    let r = work(item);
                    run.deposit(i, r);
                    run.write_ready(&put);
                }
            });
        }
    });
    run.sink.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// The results not yet written: `results[k]` is item `first + k`'s, if done.
struct Pending<R> {
    first: usize,
    results: VecDeque<Option<R>>,
}

struct Run<R, S> {
    next: AtomicUsize,
    pending: Mutex<Pending<R>>,
    /// Signalled when results are written (room in the window) or the run stops.
    room: Condvar,
    stop: AtomicBool,
    sink: Mutex<S>,
    window: usize,
}

impl<R, S> Run<R, S> {
    fn pending(&self) -> MutexGuard<'_, Pending<R>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next item to work on, once it is within the window of the
    /// writing; `None` when there is none left or the run is stopping.
    fn take(&self, count: usize) -> Option<usize> {
        if self.stop.load(Ordering::Acquire) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i >= count {
            return None;
        }
        let mut p = self.pending();
        while i >= p.first + self.window && !self.stop.load(Ordering::Acquire) {
            p = self.room.wait(p).unwrap_or_else(PoisonError::into_inner);
        }
        (!self.stop.load(Ordering::Acquire)).then_some(i)
    }

    fn deposit(&self, i: usize, r: R) {
        let mut p = self.pending();
        let Some(at) = i.checked_sub(p.first) else { return };
        if p.results.len() <= at {
            p.results.resize_with(at + 1, || None);
        }
        if let Some(slot) = p.results.get_mut(at) {
            *slot = Some(r);
        }
    }

    /// The next result in order, if it is done.
    fn next_ready(&self) -> Option<R> {
        let mut p = self.pending();
        let r = p.results.front_mut().and_then(Option::take)?;
        p.results.pop_front();
        p.first += 1;
        drop(p);
        self.room.notify_all();
        Some(r)
    }

    /// Writes the results that are next in order, unless another worker is
    /// writing: that one writes them too, since it looks again for a
    /// result come in meanwhile after it lets the sink go.
    fn write_ready(&self, put: &impl Fn(&mut S, R) -> bool) {
        loop {
            let mut sink = match self.sink.try_lock() {
                Ok(s) => s,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            while let Some(r) = self.next_ready() {
                if !put(&mut sink, r) {
                    self.stop();
                    return;
                }
            }
            drop(sink);
            let more = self.pending().results.front().is_some_and(Option::is_some);
            if !more {
                return;
            }
        }
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        // Taken under the lock, so that no worker misses the wake-up
        // between its test and its wait.
        drop(self.pending());
        self.room.notify_all();
    }
}

/// Stops the run when a worker unwinds, so that the others do not wait
/// for room that its missing result would never make.
struct StopOnPanic<'a, R, S>(&'a Run<R, S>);

impl<R, S> Drop for StopOnPanic<'_, R, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(v: &mut Vec<u64>, r: u64) -> bool {
        v.push(r);
        true
    }

    #[test]
    fn results_are_written_in_order_whatever_order_they_are_made_in() {
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
                Vec::new(),
                push,
            );
            assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{workers} workers");
        }
    }

    #[test]
    fn workers_stay_within_the_window_of_the_writing() {
        let items: Vec<usize> = (0..200).collect();
        let started = AtomicUsize::new(0);
        let window = 5;
        let (_, ahead) = run(
            &items,
            4,
            window,
            |&i| {
                started.fetch_max(i + 1, Ordering::SeqCst);
                i
            },
            (0usize, 0usize),
            |(written, most), _| {
                // Items started beyond those written so far.
                std::thread::sleep(std::time::Duration::from_micros(50));
                *most = (*most).max(started.load(Ordering::SeqCst).saturating_sub(*written));
                *written += 1;
                true
            },
        );
        assert!(ahead <= window + 1, "{ahead} items ahead with a window of {window}");
        assert!(ahead >= 2, "the workers never ran ahead ({ahead})");
    }

    #[test]
    fn a_sink_that_stops_stops_the_workers() {
        let items: Vec<u64> = (0..10_000).collect();
        let done = AtomicUsize::new(0);
        let first = run(
            &items,
            2,
            8,
            |&i| {
                done.fetch_add(1, Ordering::SeqCst);
                i
            },
            Vec::new(),
            |v, r| {
                v.push(r);
                v.len() < 3
            },
        );
        assert_eq!(first, vec![0, 1, 2]);
        assert!(done.load(Ordering::SeqCst) < 100, "{} items done", done.load(Ordering::SeqCst));
    }

    #[test]
    fn a_panic_in_the_work_is_raised_after_the_results_before_it() {
        let items: Vec<u64> = (0..100).collect();
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
                (),
                |(), r| {
                    seen.lock().unwrap_or_else(PoisonError::into_inner).push(r);
                    true
                },
            )
        }));
        assert!(outcome.is_err());
        // In order, and nothing from item 40 on (a worker that was waiting
        // for room when the panic stopped the run may leave a few before it).
        let seen = seen.into_inner().unwrap_or_else(PoisonError::into_inner);
        assert!(seen.len() <= 40, "{seen:?}");
        assert_eq!(seen, (0..seen.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn no_items_no_work() {
        let got = run(
            &[] as &[u8],
            2,
            4,
            |&b| b,
            0usize,
            |n, _| {
                *n += 1;
                true
            },
        );
        assert_eq!(got, 0);
    }
}
