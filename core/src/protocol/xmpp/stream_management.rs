//! XEP-0198 stream management for the XMPP format: the server's acks mark own messages
//! delivered, and a dropped link resumes the stream (rooms still joined, nothing missed or sent
//! twice) where the server keeps it.
//!
//! Counting follows the XEP: ours from the `<enable/>` sent (or the stream resumed), the
//! server's from the `<enabled/>` received; only stanzas (message, presence, iq) count.

use std::collections::VecDeque;

use crate::xml::Element;

pub(super) const NS: &str = "urn:xmpp:sm:3";

/// Our stanzas remembered at once while awaiting the server's ack; the oldest are let go
/// (as acked, without delivering anything) past this, for a server that never acks.
const UNACKED_KEPT: usize = 4096;

#[derive(Clone, Debug, Default)]
pub(super) struct StreamManagement {
    /// The server offered it on this stream.
    pub offered: bool,
    /// Our stanzas are counted (after `<enable/>` went out, or a resume).
    counting_out: bool,
    /// The server's stanzas are counted (after `<enabled/>` came, or a resume).
    counting_in: bool,
    /// The server's id for this stream, when it lets it be resumed.
    resume_id: Option<String>,
    /// The server's stanzas we handled (the XEP's inbound `h`).
    handled_in: u32,
    /// Our stanzas the server acknowledged so far.
    acked_out: u32,
    /// Our stanzas awaiting the server's ack, oldest first: the message id of chat messages.
    unacked: VecDeque<Option<u64>>,
}

impl StreamManagement {
    /// A new socket: a fresh stream, though what resuming the last one needs is kept.
    pub fn on_open(&mut self) {
        self.offered = false;
        self.counting_out = false;
        self.counting_in = false;
    }

    pub fn active(&self) -> bool {
        self.counting_out
    }

    /// `<enable/>`, asking to be able to resume; counting ours starts with it.
    pub fn enable(&mut self) -> Element {
        self.forget();
        self.counting_out = true;
        Element::new("enable").attr("xmlns", NS).attr("resume", "true")
    }

    /// `<enabled/>`: counting the server's starts; its id, when it lets the stream be resumed.
    pub fn enabled(&mut self, enabled: &Element) {
        self.counting_in = true;
        self.handled_in = 0;
        let resumable = matches!(enabled.get("resume"), Some("true" | "1"));
        self.resume_id = enabled.get("id").filter(|_| resumable).map(str::to_string);
    }

    /// `<failed/>` to an enable or a resume: no stream management on this stream.
    pub fn failed(&mut self) {
        self.forget();
    }

    fn forget(&mut self) {
        *self = StreamManagement { offered: self.offered, ..StreamManagement::default() };
    }

    /// The request to resume the last stream, when there is one to resume.
    pub fn resume(&self) -> Option<Element> {
        let previd = self.resume_id.as_deref()?;
        Some(Element::new("resume").attr("xmlns", NS).attr("previd", previd).attr("h", &self.handled_in.to_string()))
    }

    /// `<resumed h/>`: our stanzas it names were handled (their messages are delivered); the
    /// rest were lost with the link and go out again from the outbox, so they are let go here.
    pub fn resumed(&mut self, h: u32) -> Vec<u64> {
        let delivered = self.acked(h);
        self.unacked.clear();
        self.acked_out = h;
        self.counting_out = true;
        self.counting_in = true;
        delivered
    }

    /// One of our stanzas went out (`message`: the id of a chat message).
    pub fn sent(&mut self, message: Option<u64>) {
        if !self.counting_out {
            return;
        }
        if self.unacked.len() == UNACKED_KEPT {
            self.unacked.pop_front();
            self.acked_out = self.acked_out.wrapping_add(1);
        }
        self.unacked.push_back(message);
    }

    /// One of the server's stanzas was handled.
    pub fn handled(&mut self) {
        if self.counting_in {
            self.handled_in = self.handled_in.wrapping_add(1);
        }
    }

    /// The server handled `h` of our stanzas in all: the messages among those new to it.
    pub fn acked(&mut self, h: u32) -> Vec<u64> {
        let newly = usize::try_from(h.wrapping_sub(self.acked_out)).unwrap_or(usize::MAX).min(self.unacked.len());
        self.acked_out = self.acked_out.wrapping_add(newly as u32);
        self.unacked.drain(..newly).flatten().collect()
    }

    /// Our answer to the server's `<r/>`.
    pub fn answer(&self) -> Element {
        Element::new("a").attr("xmlns", NS).attr("h", &self.handled_in.to_string())
    }

    /// Asks the server for an ack.
    pub fn request() -> Element {
        Element::new("r").attr("xmlns", NS)
    }
}
