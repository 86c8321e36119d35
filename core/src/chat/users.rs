//! Who is present in a conversation, where the protocol tells, with their standing there.

use super::ChatLog;

/// Someone present, with the prefixes of their standing (IRC's `@` operator, `+` voice),
/// highest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct User {
    pub nick: String,
    pub prefixes: String,
}

/// The most users a conversation keeps: a hostile server cannot grow the list without bound
/// (IRC networks' largest channels hold a few tens of thousands).
pub const MAX_USERS: usize = 100_000;

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

    /// Bumped on every change to [`ChatLog::users`].
    pub fn users_revision(&self) -> u64 {
        self.users_revision
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
        users.truncate(MAX_USERS);
        self.users = users;
        self.users_revision += 1;
    }

    /// Someone arrived; past [`MAX_USERS`] they are not listed.
    pub fn user_joined(&mut self, nick: &str) {
        if self.users.len() < MAX_USERS && !self.has_user(nick) {
            self.insert_user(User { nick: nick.to_string(), prefixes: String::new() });
        }
    }

    pub fn user_left(&mut self, nick: &str) {
        if let Some(at) = self.users.iter().position(|u| u.nick == nick) {
            self.users.remove(at);
            self.users_revision += 1;
        }
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
        self.users_revision += 1;
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
    use super::{sorted_by_key, MAX_USERS};
    use crate::chat::ChatLog;
    use proptest::prelude::*;

    #[test]
    fn the_list_is_bounded_and_says_when_it_changed() {
        let mut log = ChatLog::new(100);
        let listed: Vec<String> = (0..MAX_USERS + 10).map(|i| format!("u{i}")).collect();
        log.set_users(listed);
        assert_eq!(log.users().len(), MAX_USERS, "a hostile NAMES is cut");
        let revision = log.users_revision();
        log.user_joined("late");
        assert_eq!((log.users().len(), log.users_revision()), (MAX_USERS, revision), "nobody past the cap");
        log.user_left("u1");
        log.user_joined("late");
        assert!(log.has_user("late") && log.users_revision() == revision + 2);
        log.user_left("nobody");
        assert_eq!(log.users_revision(), revision + 2, "no change, no redraw");
        log.user_mode("late", '@', true);
        assert_eq!(log.users()[0].nick, "late", "operators first, placed without a sort");
    }

    proptest! {
        #[test]
        fn sorts_as_std_does_stably(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut expected = items.clone();
            expected.sort_by_key(|(k, _)| *k);
            prop_assert_eq!(sorted_by_key(items, |(k, _)| *k), expected);
        }
    }
}
