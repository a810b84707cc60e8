//! What a receiver remembers of each sender, to refuse replays and reordered state: per sender,
//! its current epoch, a window of the sequence numbers seen on each stream, and the epochs it
//! has left behind. Bounded: [`MAX_SENDERS`] senders, a fixed window each.

use std::collections::{HashMap, VecDeque};

use super::SyncRejection;
use super::seal::Stamp;

/// Senders tracked at most; the one heard from least recently is forgotten for a new one.
pub(super) const MAX_SENDERS: usize = 64;
/// Sequence numbers remembered per stream (bits of a ring).
pub(super) const WINDOW: u64 = 1024;
const WORDS: usize = 16;
/// Past epochs remembered per sender (their messages are refused as replays).
const RETIRED_EPOCHS: usize = 8;

/// The two sequence spaces of a sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stream {
    /// Agent sessions, removals, destinations: published in order through the outbox, accepted
    /// only in increasing order.
    State,
    /// `Executed` entries: published by concurrent tasks, accepted in any order, never twice.
    Journal,
}

/// The senders heard from.
#[derive(Debug, Default)]
pub(super) struct Peers {
    peers: HashMap<String, Peer>,
    /// Bumped on every accepted message: the least recently heard sender has the lowest mark.
    clock: u64,
}

#[derive(Debug)]
struct Peer {
    epoch: u64,
    state: Window,
    journal: Window,
    retired: VecDeque<u64>,
    heard: u64,
}

/// Which sequence numbers of one stream were seen, up to [`WINDOW`] below the highest.
#[derive(Debug, Default)]
struct Window {
    highest: u64,
    seen: [u64; WORDS],
}

impl Peers {
    /// Whether a message may be accepted, without recording it.
    pub(super) fn check(
        &self,
        sender: &str,
        stream: Stream,
        stamp: Stamp,
    ) -> Result<(), SyncRejection> {
        let Some(peer) = self.peers.get(sender) else {
            return Ok(());
        };
        if peer.epoch == stamp.epoch {
            peer.window(stream).check(stream, stamp.seq)
        } else if peer.retired.contains(&stamp.epoch) {
            Err(SyncRejection::Replayed)
        } else {
            // A new epoch: the sender restarted.
            Ok(())
        }
    }

    /// Records an accepted message (after [`Peers::check`]). Returns whether the sender is new
    /// or started a new epoch.
    pub(super) fn record(&mut self, sender: &str, stream: Stream, stamp: Stamp) -> bool {
        self.clock += 1;
        let heard = self.clock;
        let restarted = match self.peers.get_mut(sender) {
            Some(peer) if peer.epoch == stamp.epoch => false,
            Some(peer) => {
                if peer.retired.len() == RETIRED_EPOCHS {
                    peer.retired.pop_front();
                }
                peer.retired.push_back(peer.epoch);
                peer.epoch = stamp.epoch;
                peer.state = Window::default();
                peer.journal = Window::default();
                true
            }
            None => {
                if self.peers.len() >= MAX_SENDERS
                    && let Some(oldest) = self
                        .peers
                        .iter()
                        .min_by_key(|(_, p)| p.heard)
                        .map(|(name, _)| name.clone())
                {
                    self.peers.remove(&oldest);
                }
                self.peers.insert(
                    sender.to_owned(),
                    Peer {
                        epoch: stamp.epoch,
                        state: Window::default(),
                        journal: Window::default(),
                        retired: VecDeque::new(),
                        heard,
                    },
                );
                true
            }
        };
        if let Some(peer) = self.peers.get_mut(sender) {
            peer.heard = heard;
            match stream {
                Stream::State => peer.state.record(stamp.seq),
                Stream::Journal => peer.journal.record(stamp.seq),
            }
        }
        restarted
    }

    /// How many senders are tracked.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.peers.len()
    }
}

impl Peer {
    fn window(&self, stream: Stream) -> &Window {
        match stream {
            Stream::State => &self.state,
            Stream::Journal => &self.journal,
        }
    }
}

impl Window {
    fn check(&self, stream: Stream, seq: u64) -> Result<(), SyncRejection> {
        if self.is_below(seq) {
            // Too far behind to tell whether it was seen.
            return Err(SyncRejection::OutOfOrder);
        }
        if self.seen(seq) {
            return Err(SyncRejection::Replayed);
        }
        match stream {
            Stream::State if seq <= self.highest => Err(SyncRejection::OutOfOrder),
            _ => Ok(()),
        }
    }

    fn record(&mut self, seq: u64) {
        if seq > self.highest {
            if seq - self.highest >= WINDOW {
                self.seen = [0; WORDS];
            } else {
                for s in self.highest + 1..seq {
                    self.set(s, false);
                }
            }
            self.highest = seq;
        }
        self.set(seq, true);
    }

    fn is_below(&self, seq: u64) -> bool {
        self.highest >= WINDOW && seq <= self.highest - WINDOW
    }

    fn seen(&self, seq: u64) -> bool {
        seq <= self.highest && !self.is_below(seq) && {
            let (word, bit) = Self::slot(seq);
            self.seen[word] & bit != 0
        }
    }

    fn set(&mut self, seq: u64, on: bool) {
        let (word, bit) = Self::slot(seq);
        if on {
            self.seen[word] |= bit;
        } else {
            self.seen[word] &= !bit;
        }
    }

    fn slot(seq: u64) -> (usize, u64) {
        let at = seq % WINDOW;
        // `at` < 1024, so both conversions are exact.
        (usize::try_from(at / 64).unwrap_or(0), 1 << (at % 64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(epoch: u64, seq: u64) -> Stamp {
        Stamp {
            epoch,
            seq,
            unix_ms: 0,
        }
    }

    fn accept(
        peers: &mut Peers,
        sender: &str,
        stream: Stream,
        stamp: Stamp,
    ) -> Result<(), SyncRejection> {
        peers.check(sender, stream, stamp)?;
        peers.record(sender, stream, stamp);
        Ok(())
    }

    #[test]
    fn the_state_stream_only_moves_forward() {
        let mut peers = Peers::default();
        assert_eq!(accept(&mut peers, "a", Stream::State, stamp(1, 1)), Ok(()));
        assert_eq!(accept(&mut peers, "a", Stream::State, stamp(1, 3)), Ok(()));
        assert_eq!(
            accept(&mut peers, "a", Stream::State, stamp(1, 2)),
            Err(SyncRejection::OutOfOrder)
        );
        assert_eq!(
            accept(&mut peers, "a", Stream::State, stamp(1, 3)),
            Err(SyncRejection::Replayed)
        );
        assert_eq!(
            accept(&mut peers, "a", Stream::State, stamp(1, 1)),
            Err(SyncRejection::Replayed)
        );
    }

    #[test]
    fn the_journal_takes_any_order_once_within_its_window() {
        let mut peers = Peers::default();
        for seq in [5, 2, 9, 1, 3] {
            assert_eq!(
                accept(&mut peers, "a", Stream::Journal, stamp(1, seq)),
                Ok(())
            );
        }
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 2)),
            Err(SyncRejection::Replayed)
        );
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 9 + WINDOW - 1)),
            Ok(())
        );
        // 9 is still inside the window, 8 (never seen) just below it.
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 9)),
            Err(SyncRejection::Replayed)
        );
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 8)),
            Err(SyncRejection::OutOfOrder)
        );
        // A jump past the whole window forgets the old bits without mistaking them.
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 10 * WINDOW + 9)),
            Ok(())
        );
        assert_eq!(
            accept(&mut peers, "a", Stream::Journal, stamp(1, 9 * WINDOW + 10)),
            Ok(())
        );
    }

    #[test]
    fn a_new_epoch_resets_and_old_epochs_stay_refused() {
        let mut peers = Peers::default();
        assert_eq!(accept(&mut peers, "a", Stream::State, stamp(1, 7)), Ok(()));
        assert_eq!(accept(&mut peers, "a", Stream::State, stamp(2, 1)), Ok(()));
        assert_eq!(
            accept(&mut peers, "a", Stream::State, stamp(1, 8)),
            Err(SyncRejection::Replayed)
        );
        assert_eq!(accept(&mut peers, "a", Stream::State, stamp(2, 2)), Ok(()));
    }

    #[test]
    fn senders_are_bounded() {
        let mut peers = Peers::default();
        for n in 0..MAX_SENDERS + 10 {
            accept(&mut peers, &format!("s{n}"), Stream::State, stamp(1, 1)).unwrap();
        }
        assert_eq!(peers.len(), MAX_SENDERS);
        // The oldest went first: s0 is new again, the latest is still known.
        assert_eq!(accept(&mut peers, "s0", Stream::State, stamp(1, 1)), Ok(()));
        let latest = format!("s{}", MAX_SENDERS + 9);
        assert_eq!(
            accept(&mut peers, &latest, Stream::State, stamp(1, 1)),
            Err(SyncRejection::Replayed)
        );
    }
}
