//! Plain-Rust core of the wschat client: the rules and state that do not need a browser.
//!
//! - [`url`]: turning what a person typed into a WebSocket URL, or a reason it cannot be one.
//! - [`close`]: the close-code and close-reason rules of the WebSocket API, and what codes mean.
//! - [`protocol`]: wire formats, frames in → chat events out, chat actions in → frames out.
//! - [`chat`]: the state of one conversation (bounded log, own-message statuses, outbox).
//! - [`stored_outbox`]: the outbox as kept in storage, each message with its server.
//! - [`unicode`]: case folding and letter classes, with the browser's Unicode tables there.
//! - [`present`]: how entries look: nick colours, links, mentions, grouping.
//! - [`compose`]: the composer's input history and nick completion.
//! - [`inspector`]: the frame inspector's bounded record and its views and export.
//! - [`secret`]: a password that no `Debug` shows.
//! - [`settings`]: the query parameters of the UI contract, read into settings with reasons for bad values.
//!
//! Nothing here touches web-sys, so all of it is tested natively with `cargo test`.

pub mod bounded;
pub mod chat;
pub mod close;
pub mod command;
pub mod compose;
pub mod history;
pub mod inspector;
pub mod joined;
pub mod json;
pub mod present;
pub mod protocol;
pub mod reconnect;
pub mod scram;
pub mod secret;
pub mod settings;
pub mod sha256;
pub(crate) mod sort;
pub mod stored_outbox;
pub mod unicode;
pub mod url;
pub mod xml;
