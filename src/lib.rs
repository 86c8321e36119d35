//! wschat: a browser chat client over WebSocket, written with Leptos (client-side rendering).
//!
//! Layers, each readable alone:
//! - [`socket`]: the browser WebSocket as signals and actions; no view code.
//! - [`timer`]: browser timeouts that are cancelled and freed when dropped.
//! - [`listener`]: window event listeners that are removed and freed when dropped.
//! - `wschat_core`: wire formats, chat state, URL and close rules; plain Rust, tested natively.
//! - [`session`]: one connection, joining a socket, a wire format and its conversations.
//! - [`store`]: stored history in IndexedDB; records encoded and decoded in core.
//! - [`ui`]: Leptos components that read signals and call session actions.

pub mod heap_probe;
pub mod listener;
pub mod session;
pub mod socket;
pub mod store;
pub mod timer;
pub mod ui;

pub use ui::App;
