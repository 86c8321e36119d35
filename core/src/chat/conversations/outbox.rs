//! The outbox of all of a connection's conversations: what is unsent, messages of other pages
//! and servers shown or adopted, each routed to the conversation it was typed in.

use super::Conversations;
use crate::chat::PersistedMessage;

impl Conversations {
    /// Changes whenever what [`Conversations::unsent`] returns changes.
    pub fn unsent_revision(&self) -> u64 {
        self.closed_revisions + self.list.iter().map(|c| c.log.unsent_revision()).sum::<u64>()
    }

    /// What must survive a reload, each message with its conversation, oldest first.
    pub fn unsent(&self) -> Vec<PersistedMessage> {
        let mut all: Vec<PersistedMessage> = Vec::new();
        for (i, conversation) in self.list.iter().enumerate() {
            let key = self.key(i);
            // Each conversation's are in order already: merged by insertion, after any of the
            // same time (an outbox is small, and a sort instance is KBs of wasm).
            for message in conversation.log.unsent() {
                let at = all.partition_point(|m| m.time_ms.total_cmp(&message.time_ms).is_le());
                all.insert(at, PersistedMessage { conversation: key.clone(), ..message });
            }
        }
        all
    }

    pub fn waiting_for_other_servers(&self) -> usize {
        self.list.iter().map(|c| c.log.waiting_for_other_servers()).sum()
    }

    /// Messages another page holds for this server, each shown in its conversation.
    pub fn show_elsewhere(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        let mut by_conversation = self.route(items);
        for (i, conversation) in self.list.iter_mut().enumerate() {
            conversation.log.show_elsewhere(owner, std::mem::take(&mut by_conversation[i]));
        }
    }

    /// Takes over messages another page or an earlier visit left, each into its conversation.
    pub fn adopt(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        let mut by_conversation = self.route(items);
        for (i, conversation) in self.list.iter_mut().enumerate() {
            conversation.log.adopt(owner, std::mem::take(&mut by_conversation[i]));
        }
    }

    pub fn forget_elsewhere(&mut self) {
        self.list.iter_mut().for_each(|c| c.log.forget_elsewhere());
    }

    /// Stored messages sorted by the conversation they were typed in (opened if need be; the
    /// first when its key is unreadable).
    fn route(&mut self, items: Vec<PersistedMessage>) -> Vec<Vec<PersistedMessage>> {
        let targets: Vec<usize> = items
            .iter()
            .map(|m| {
                self.find_key(&m.conversation)
                    .or_else(|| Self::target_of_key(&m.conversation).map(|t| self.open(t)))
                    .unwrap_or(0)
            })
            .collect();
        let mut out = vec![Vec::new(); self.list.len()];
        for (item, at) in items.into_iter().zip(targets) {
            out[at].push(item);
        }
        out
    }
}
