//! Who is present in a conversation, where the protocol tells, with their standing there.

use super::ChatLog;

/// Someone present, with the prefixes of their standing (IRC's `@` operator, `+` voice),
/// highest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct User {
    pub nick: String,
    pub prefixes: String,
}

/// The prefixes servers commonly give, highest standing first (RPL_ISUPPORT PREFIX's usual).
const PREFIX_RANK: &str = "~&@%+";

impl User {
    /// A name as a NAMES reply gives it, its prefixes first (`@+ada`).
    pub fn from_listed(listed: &str) -> Self {
        let nick = listed.trim_start_matches(|c| PREFIX_RANK.contains(c));
        let prefixes = &listed[..listed.len() - nick.len()];
        let mut user = User { nick: nick.to_string(), prefixes: String::new() };
        prefixes.chars().for_each(|p| user.set_prefix(p, true));
        user
    }

    /// The highest prefix, shown before the nick.
    pub fn prefix(&self) -> Option<char> {
        self.prefixes.chars().next()
    }

    fn set_prefix(&mut self, prefix: char, on: bool) {
        self.prefixes.retain(|p| p != prefix);
        if on {
            // Highest first; read off the ranking rather than sorted (a sort instance is KBs of wasm).
            let held = std::mem::take(&mut self.prefixes);
            self.prefixes = PREFIX_RANK.chars().filter(|p| *p == prefix || held.contains(*p)).collect();
            self.prefixes.extend(held.chars().filter(|p| !PREFIX_RANK.contains(*p)));
            if !PREFIX_RANK.contains(prefix) {
                self.prefixes.push(prefix);
            }
        }
    }

    /// Operators first, then voiced, then everyone, each by name without case.
    fn order(&self) -> (usize, String) {
        let rank = self.prefix().and_then(|p| PREFIX_RANK.find(p)).unwrap_or(PREFIX_RANK.len());
        (rank, crate::unicode::lowercase(&self.nick))
    }
}

impl ChatLog {
    /// Who is present, where the protocol tells: by standing, then by name without case.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Whether `nick` is present.
    pub fn has_user(&self, nick: &str) -> bool {
        self.users.iter().any(|u| u.nick == nick)
    }

    /// Replaces the user list (IRC NAMES), each name with its prefixes.
    pub fn set_users(&mut self, listed: Vec<String>) {
        let users: Vec<User> = listed.iter().map(|l| User::from_listed(l)).filter(|u| !u.nick.is_empty()).collect();
        let mut users = sorted_by_key(users, User::order);
        users.dedup_by(|a, b| a.nick == b.nick);
        self.users = users;
    }

    pub fn user_joined(&mut self, nick: &str) {
        if !self.has_user(nick) {
            self.insert_user(User { nick: nick.to_string(), prefixes: String::new() });
        }
    }

    pub fn user_left(&mut self, nick: &str) {
        self.users.retain(|u| u.nick != nick);
    }

    pub fn user_renamed(&mut self, from: &str, to: &str) {
        if let Some(at) = self.users.iter().position(|u| u.nick == from) {
            let mut user = self.users.remove(at);
            user.nick = to.to_string();
            self.insert_user(user);
        }
    }

    /// Gives or takes a prefix (`@`, `+`) of someone present.
    pub fn user_mode(&mut self, nick: &str, prefix: char, on: bool) {
        if let Some(at) = self.users.iter().position(|u| u.nick == nick) {
            let mut user = self.users.remove(at);
            user.set_prefix(prefix, on);
            self.insert_user(user);
        }
    }

    fn insert_user(&mut self, user: User) {
        let order = user.order();
        let at = self.users.partition_point(|u| u.order() < order);
        self.users.insert(at, user);
    }
}

/// `items` ordered by `key`, stably, each key computed once. A merge sort written here
/// because each instance of std's stable sort is about 3.7 KB of the wasm, for the one list
/// the client sorts.
fn sorted_by_key<T, K: Ord>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
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
