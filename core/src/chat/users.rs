//! Who is present in a conversation, where the protocol tells, with their standing there.

use super::ChatLog;
use crate::sort::sorted_by_key;

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

#[cfg(test)]
mod tests {
    use super::MAX_USERS;
    use crate::chat::ChatLog;

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
}
