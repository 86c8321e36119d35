//! The live connection status: readyState, bufferedAmount, subprotocol, extensions, last close.

use leptos::prelude::*;
use wschat_core::close::describe_close_code;

use crate::socket::{ReadyState, WebSocketHandle};

#[component]
pub fn StatusBar(socket: WebSocketHandle) -> impl IntoView {
    let state = socket.ready_state();
    let buffered = socket.buffered_amount();
    let protocol = socket.protocol();
    let extensions = socket.extensions();
    let last_close = socket.last_close();
    view! {
        <div class="status" aria-label="Connection status">
            <span
                data-testid="connection-status"
                class="state"
                data-ready-state=move || state.get().as_str()
                role="status"
            >
                {move || state.get().as_str()}
            </span>
            <span data-testid="buffered-amount" data-bytes=move || buffered.get().to_string() title="bufferedAmount: bytes queued but not yet sent">
                {move || format!("{} B buffered", buffered.get())}
            </span>
            <span class="field">
                "subprotocol: "
                <span data-testid="negotiated-protocol">{move || protocol.get()}</span>
            </span>
            <span class="field" title="Extensions the server accepted">
                "extensions: " {move || { let e = extensions.get(); if e.is_empty() { "none".to_string() } else { e } }}
            </span>
            {move || {
                last_close
                    .get()
                    .map(|close| {
                        let meaning = describe_close_code(close.code);
                        let clean = if close.was_clean { "clean" } else { "not clean" };
                        // Kept through a reconnect: then it is the close before this connection.
                        let closed = if state.get() == ReadyState::Closed { "closed" } else { "last closed" };
                        let text = if close.reason.is_empty() {
                            format!("{closed} {} ({meaning}), {clean}", close.code)
                        } else {
                            format!("{closed} {} ({meaning}): \u{201c}{}\u{201d}, {clean}", close.code, close.reason)
                        };
                        view! {
                            <span
                                data-testid="close-info"
                                class="close-info"
                                data-code=close.code.to_string()
                                data-reason=close.reason.clone()
                                data-was-clean=close.was_clean.to_string()
                            >
                                {text}
                            </span>
                        }
                    })
            }}
        </div>
    }
}
