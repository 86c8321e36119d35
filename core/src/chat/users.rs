//! Who is present in a conversation, where the protocol tells.

use super::ChatLog;

impl ChatLog {
    /// Who is present, where the protocol tells, sorted case-insensitively.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// Replaces the user list (IRC NAMES).
    pub fn set_users(&mut self, mut users: Vec<String>) {
        users.sort_by_key(|u| u.to_lowercase());
        users.dedup();
        self.users = users;
    }

    pub fn user_joined(&mut self, nick: &str) {
        if !self.users.iter().any(|u| u == nick) {
            let at = self.users.partition_point(|u| u.to_lowercase() < nick.to_lowercase());
            self.users.insert(at, nick.to_string());
        }
    }

    pub fn user_left(&mut self, nick: &str) {
        self.users.retain(|u| u != nick);
    }

    pub fn user_renamed(&mut self, from: &str, to: &str) {
        if self.users.iter().any(|u| u == from) {
            self.user_left(from);
            self.user_joined(to);
        }
    }
}
