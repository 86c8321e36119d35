//! Growth of the bounded queues (log entries, rows, inspector records) that stops at their cap.

use std::collections::VecDeque;

/// Pushes `item` at the back of a queue that never holds more than `cap` items: the
/// allocation doubles as usual until doubling would pass half of `cap`, then grows to `cap`
/// at once. Plain doubling takes a queue of 5,000 to room for 8,192; each room it outgrows is
/// left behind as a hole, and wasm memory never shrinks, so the holes stay in the page's
/// footprint for good. Growing to the cap early halves them; the price is room up to twice
/// what doubling would have given a queue that stops between a quarter of its cap and its cap
/// (one of 5,000 that stops at 4,000 has room for 5,000 instead of 4,096).
pub fn push_within<T>(queue: &mut VecDeque<T>, cap: usize, item: T) {
    let len = queue.len();
    if len == queue.capacity() && len < cap {
        let doubled = (len * 2).max(8);
        let wanted = if doubled > cap / 2 { cap } else { doubled };
        queue.reserve_exact(wanted - len);
    }
    queue.push_back(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_no_further() {
        let mut queue = VecDeque::new();
        for i in 0..5_000 {
            push_within(&mut queue, 5_000, i);
        }
        assert_eq!(queue.len(), 5_000);
        assert!(queue.capacity() < 5_100, "capacity {}", queue.capacity());
        // Past half the cap it grows to the cap in one step.
        let mut grown = VecDeque::new();
        let mut rooms = Vec::new();
        for i in 0..5_000 {
            push_within(&mut grown, 5_000, i);
            if rooms.last() != Some(&grown.capacity()) {
                rooms.push(grown.capacity());
            }
        }
        assert!(rooms.iter().all(|&room| room <= 2_048 || room >= 5_000), "rooms {rooms:?}");
        // Past the cap (the caller pops first; here it does not) it still works, as VecDeque does.
        push_within(&mut queue, 5_000, 5_000);
        assert_eq!(queue.len(), 5_001);
        let mut tiny = VecDeque::new();
        for i in 0..3 {
            push_within(&mut tiny, 2, i);
        }
        assert_eq!(tiny.len(), 3);
    }
}
