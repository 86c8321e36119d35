//! The one sort in the client: each instance of std's sorts is kilobytes of the wasm, so the
//! user list's order and the XML reader's check for repeated attributes share this one.

/// `items` ordered by `key`, stably, each key computed once.
pub(crate) fn sorted_by_key<T, K: Ord>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let keyed: Vec<(K, T)> = items.into_iter().map(|item| (key(&item), item)).collect();
    merge_sort(keyed).into_iter().map(|(_, item)| item).collect()
}

fn merge_sort<K: Ord, T>(mut items: Vec<(K, T)>) -> Vec<(K, T)> {
    if items.len() < 2 {
        return items;
    }
    let right = merge_sort(items.split_off(items.len() / 2));
    let left = merge_sort(items);
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut right = right.into_iter().peekable();
    for item in left {
        // Only a strictly smaller key from the right goes first: equal keys keep their order.
        while let Some(smaller) = right.next_if(|r| r.0 < item.0) {
            merged.push(smaller);
        }
        merged.push(item);
    }
    merged.extend(right);
    merged
}

#[cfg(test)]
mod tests {
    use super::sorted_by_key;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_std_does_stably(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut expected = items.clone();
            expected.sort_by_key(|(k, _)| *k);
            prop_assert_eq!(sorted_by_key(items, |(k, _)| *k), expected);
        }
    }
}
