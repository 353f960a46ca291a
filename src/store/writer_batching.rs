//! How many queued writes one transaction of the writer takes.
//!
//! Taking every write that waits makes the fewest commits, but when a few clients each wait for their
//! answer before sending the next write (an HTTP client, a worker), they end up moving as one convoy: all
//! of them wait in the same batch while the HTTP side has nothing to do, then the writer idles while all
//! the answers go out and the next writes come in. At 8 connections the machine stayed a third idle
//! (BENCH.md, "Writes, seventh round"). A batch therefore takes at most half of the writes that wait with
//! it, so one half is answered and comes back while the other half is written; it still takes at least
//! [`MIN_BATCH`] (a few writes share their commit's pages well) and never more than [`MAX_BATCH`].

/// Most closures committed together. Bounded so one commit never waits on a very long queue.
pub const MAX_BATCH: usize = 64;

/// Fewest writes a batch takes before it may leave the rest of the queue to the next one.
pub const MIN_BATCH: usize = 4;

/// The batch size rule: at most half of what waits (the batch's own writes included), at least `min`,
/// at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    pub min: usize,
    pub max: usize,
}

impl Batching {
    /// The server's rule.
    pub const HALVES: Batching = Batching {
        min: MIN_BATCH,
        max: MAX_BATCH,
    };

    /// Every write waiting, up to [`MAX_BATCH`]: for tests of what one transaction does with its writes.
    #[cfg(test)]
    pub const WHOLE: Batching = Batching {
        min: MAX_BATCH,
        max: MAX_BATCH,
    };

    /// Whether a batch that has taken `taken` writes takes one more, with `waiting` still queued.
    pub fn takes_more(self, taken: usize, waiting: usize) -> bool {
        waiting > 0
            && taken < self.max
            && taken < self.min.max(taken.saturating_add(waiting).div_ceil(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batches `queued` writes (all waiting before the first batch begins) are committed in.
    pub fn batches(rule: Batching, queued: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut left = queued;
        while left > 0 {
            let mut taken = 1;
            while rule.takes_more(taken, left - taken) {
                taken += 1;
            }
            out.push(taken);
            left -= taken;
        }
        out
    }

    #[test]
    fn a_convoy_is_split_in_halves() {
        assert_eq!(batches(Batching::HALVES, 8), vec![4, 4]);
        assert_eq!(batches(Batching::HALVES, 16), vec![8, 4, 4]);
        assert_eq!(batches(Batching::HALVES, 21), vec![11, 5, 4, 1]);
    }

    #[test]
    fn a_few_writes_share_one_commit() {
        for n in 1..=MIN_BATCH {
            assert_eq!(batches(Batching::HALVES, n), vec![n]);
        }
        assert_eq!(batches(Batching::HALVES, 5), vec![4, 1]);
    }

    #[test]
    fn a_batch_never_passes_the_cap() {
        assert_eq!(batches(Batching::HALVES, 200)[0], MAX_BATCH);
        assert_eq!(batches(Batching::WHOLE, 100), vec![MAX_BATCH, 36]);
        assert_eq!(batches(Batching::WHOLE, 20), vec![20]);
    }
}
