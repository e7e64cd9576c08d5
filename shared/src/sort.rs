//! Sorting the core's short lists through one instantiation of the standard library's sort.
//!
//! `slice::sort_by` is generic over the element and the comparator, so every call site with
//! its own element type or closure gets a copy of the whole driftsort (about 4 KB of
//! WebAssembly each: six sites made 26 KB of the module). Here the standard sort runs once,
//! on positions, with the comparison behind `dyn`; each call site adds only the small generic
//! shell that moves its items into the order found. The lists are short (a model's task types,
//! selector values, a catalog's stale rows), so one indirect call per comparison costs
//! nothing measurable.

use std::cmp::Ordering;

/// Sorts `items` stably by `cmp`, as `items.sort_by(cmp)` would.
pub fn sort_by<T>(items: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = {
        let items: &[T] = items;
        permutation(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `items` and removes repeated values, as `sort` then `dedup` would.
pub fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
    items.dedup();
}

/// The positions `0..n` in the stable order `cmp` gives them: the one monomorphic sort.
fn permutation(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        let mut ours: Vec<(u8, usize)> = (0..200).map(|i| ((i * 37 % 11) as u8, i)).collect();
        let mut std = ours.clone();
        sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
        std.sort_by_key(|x| x.0);
        assert_eq!(ours, std);
        let mut empty: Vec<u8> = Vec::new();
        sort_by(&mut empty, u8::cmp);
        assert!(empty.is_empty());
        let mut words = vec!["b", "a", "c", "a", "b"];
        sort_dedup(&mut words);
        assert_eq!(words, ["a", "b", "c"]);
    }
}
