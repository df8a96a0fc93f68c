//! The build's progress hook: the events a long build announces, and the observer that hears
//! them (the command line's progress bar and timings).
//!
//! Guarantees: an event changes nothing in the build and no output byte depends on it; without
//! an observer (library use, tests) announcing one costs a thread-local lookup. An observer is
//! set for the duration of one closure on the current thread ([`observe`]), and removed after
//! it, also when the closure panics. Targets that run on worker threads send their events to
//! the thread running the build, which announces them (see `build::run_targets`); targets of
//! one catalogue may overlap, so a start is followed by its own done, not by the next start.

use std::cell::RefCell;
use std::rc::Rc;

/// What the build is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// Catalogues loaded and validated; this many will be compiled.
    Catalogues(usize),
    /// A catalogue starts compiling with this many targets.
    Catalogue { id: &'a str, targets: usize },
    /// A target of a catalogue starts compiling.
    TargetStart { catalogue: &'a str, target: &'a str },
    /// A target compiled into `files` files of `bytes` bytes in all.
    TargetDone {
        catalogue: &'a str,
        target: &'a str,
        files: usize,
        bytes: u64,
    },
    /// Everything compiled; the output folders are compared or written.
    Output,
}

/// Hears the build's events.
pub trait Observer {
    fn event(&self, event: Event<'_>);
}

thread_local! {
    static OBSERVER: RefCell<Option<Rc<dyn Observer>>> = const { RefCell::new(None) };
}

/// Removes the observer when dropped (also while unwinding).
struct Reset(Option<Rc<dyn Observer>>);

impl Drop for Reset {
    fn drop(&mut self) {
        let previous = self.0.take();
        OBSERVER.with(|o| *o.borrow_mut() = previous);
    }
}

/// Runs `f` with `observer` hearing every event announced on this thread.
pub fn observe<T>(observer: Rc<dyn Observer>, f: impl FnOnce() -> T) -> T {
    let previous = OBSERVER.with(|o| o.borrow_mut().replace(observer));
    let _reset = Reset(previous);
    f()
}

/// Announces an event to the observer, if there is one.
pub fn announce(event: Event<'_>) {
    let observer = OBSERVER.with(|o| o.borrow().clone());
    if let Some(o) = observer {
        o.event(event);
    }
}

/// Announces that `target` of `catalogue` starts compiling.
pub fn target_start(catalogue: &str, target: &str) {
    announce(Event::TargetStart { catalogue, target });
}

/// Announces that `target` of `catalogue` wrote `files` files of `bytes` bytes in all.
pub fn target_done(catalogue: &str, target: &str, files: usize, bytes: u64) {
    announce(Event::TargetDone {
        catalogue,
        target,
        files,
        bytes,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct Count(Cell<usize>);
    impl Observer for Count {
        fn event(&self, _: Event<'_>) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn events_reach_the_observer_only_inside_observe() {
        let count = Rc::new(Count(Cell::new(0)));
        announce(Event::Output);
        observe(count.clone(), || {
            announce(Event::Catalogues(2));
            announce(Event::Output);
        });
        announce(Event::Output);
        assert_eq!(count.0.get(), 2);
    }
}
