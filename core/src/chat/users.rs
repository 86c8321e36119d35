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
        let mut users: Vec<User> = listed.iter().map(|l| User::from_listed(l)).filter(|u| !u.nick.is_empty()).collect();
        users.sort_by_key(User::order);
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
