//! A long text message read in parts, a frame's budget at a time, so the page draws and answers
//! between them; the socket holds the messages after it until its last part is read.

use leptos::prelude::*;

use super::ChatSession;
use crate::timer::{AnimationFrame, Timeout};

/// A text message longer than this (UTF-8 bytes) is read in parts of about this size: what a
/// format reads of it in a few milliseconds.
const PART_BYTES: usize = 32 * 1024;

/// Parts are read one after another until this long has passed; the rest waits for the next
/// animation frame (the rest of a 16.7 ms frame is the view's).
const PARTS_BUDGET_MS: f64 = 8.0;

/// A hidden tab gets no animation frames: the next parts are read after this long instead.
const HIDDEN_NEXT_MS: f64 = 100.0;

/// A message being read, where its next part begins, and the wake-ups that read it.
pub(super) struct Reading {
    text: String,
    from: usize,
    arrived_ms: f64,
    /// The socket it came on: a reading of a socket since replaced is dropped.
    socket: Option<u64>,
    _next: Option<(AnimationFrame, Timeout)>,
}

impl ChatSession {
    /// A text message through the wire format: at once if it is short, else in parts.
    pub(super) fn receive_text(&self, text: String, now: f64) {
        if text.len() <= PART_BYTES {
            return self.receive(wschat_core::protocol::Frame::Text(&text), now);
        }
        let socket = self.socket.current_id();
        self.update_upkeep(|u| u.reading = Some(Reading { text, from: 0, arrived_ms: now, socket, _next: None }));
        self.socket.pause_messages();
        self.read_parts(Some(PARTS_BUDGET_MS));
    }

    /// Reads what is left of the message being read, all of it, before anything after it.
    pub(super) fn finish_reading(&self) {
        if self.upkeep.with_value(|u| u.reading.is_some()) {
            self.read_parts(None);
        }
    }

    /// Reads parts of the message being read until it is done or, with a budget, until the
    /// budget is spent: then the next animation frame goes on.
    fn read_parts(&self, budget_ms: Option<f64>) {
        let started = js_sys::Date::now();
        loop {
            let Some(mut reading) = self.upkeep.try_update_value(|u| u.reading.take()).flatten() else { return };
            if reading.socket != self.socket.current_id() {
                return;
            }
            let (text, from, now) = (&reading.text, reading.from, reading.arrived_ms);
            let next = self.decode_with(now, |format| format.on_text_part(text, from, PART_BYTES, now));
            // A format that read nothing has read all it will: never the same part twice.
            reading.from = next.filter(|next| *next > from).unwrap_or(reading.text.len());
            if reading.from >= reading.text.len() || reading.socket != self.socket.current_id() {
                self.socket.resume_messages();
                return;
            }
            if budget_ms.is_some_and(|budget| js_sys::Date::now() - started >= budget) {
                let session = *self;
                let frame = AnimationFrame::new(move || session.read_parts(Some(PARTS_BUDGET_MS)));
                let fallback = Timeout::new(HIDDEN_NEXT_MS, move || session.read_parts(Some(PARTS_BUDGET_MS)));
                reading._next = Some((frame, fallback));
                self.update_upkeep(|u| u.reading = Some(reading));
                return;
            }
            self.update_upkeep(|u| u.reading = Some(reading));
        }
    }
}
