//! The composer: Enter sends, Shift+Enter inserts a newline, Up/Down walk the input history of
//! this server, Tab completes nicks; nothing typed is lost.

use leptos::html;
use leptos::prelude::*;
use wschat_core::chat::server_id;
use wschat_core::compose::{complete_nick, Completion, InputHistory};

use crate::session::{load_history, save_history, server_url, ChatSession};
use crate::socket::ReadyState;

/// How many recent entries are searched for authors to complete.
const RECENT_AUTHORS_SCANNED: usize = 300;

#[component]
pub fn Composer(session: ChatSession, draft: RwSignal<String>) -> impl IntoView {
    let input = NodeRef::<html::Textarea>::new();
    let server = Memo::new(move |_| session.settings.with(|s| server_id(&server_url(&s.url))));
    let history: StoredValue<InputHistory> = StoredValue::new(InputHistory::default());
    Effect::new(move |_| history.set_value(load_history(&server.get())));
    let completion: StoredValue<Option<Completion>> = StoredValue::new(None);

    // Connected: the next thing the person does is write.
    let state = session.socket.ready_state();
    Effect::new(move |previous: Option<ReadyState>| {
        let now = state.get();
        if now == ReadyState::Open && previous.is_some_and(|p| p != ReadyState::Open) {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        }
        now
    });

    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        // Read before sending: `/msg` shows another conversation.
        let secret = session.holds_secret(&text);
        if session.submit(&text) {
            if !secret {
                history.update_value(|h| h.push(&text));
                history.with_value(|h| save_history(&server.get_untracked(), h));
            }
            draft.set(String::new());
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let show = move |text: String, cursor: Option<u32>| {
        let at = cursor.unwrap_or(text.encode_utf16().count() as u32);
        draft.set(text);
        if let Some(el) = input.get_untracked() {
            el.set_value(&draft.get_untracked());
            let _ = el.set_selection_range(at, at);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let Some(el) = input.get_untracked() else { return };
        let key = ev.key();
        if key != "Tab" {
            completion.set_value(None);
        }
        // is_composing: keys that steer an IME composition are not ours.
        if ev.is_composing() || ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let value = el.value();
        let caret = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        let caret_byte = utf16_to_byte(&value, caret);
        match key.as_str() {
            "Enter" if !ev.shift_key() => {
                ev.prevent_default();
                send();
            }
            // Up on the first line and Down on the last walk the history; elsewhere they move
            // the caret through a multi-line draft.
            "ArrowUp" if !ev.shift_key() && !value[..caret_byte].contains('\n') => {
                if let Some(line) = history.try_update_value(|h| h.older(&value).map(str::to_string)).flatten() {
                    ev.prevent_default();
                    show(line, None);
                }
            }
            "ArrowDown" if !ev.shift_key() && !value[caret_byte..].contains('\n') => {
                if let Some(line) = history.try_update_value(|h| h.newer().map(str::to_string)).flatten() {
                    ev.prevent_default();
                    show(line, None);
                }
            }
            // Tab completes a nick; with nothing to complete it moves focus as usual.
            "Tab" if !ev.shift_key() => {
                let next = completion.try_update_value(|c| c.as_mut().map(Completion::advance)).flatten();
                let done = next.or_else(|| {
                    let nicks = candidate_nicks(&session);
                    complete_nick(&value, caret_byte, &nicks).map(|(text, cursor, state)| {
                        completion.set_value(Some(state));
                        (text, cursor)
                    })
                });
                if let Some((text, cursor)) = done {
                    ev.prevent_default();
                    let at = text[..cursor].encode_utf16().count() as u32;
                    show(text, Some(at));
                }
            }
            _ => {}
        }
    };
    view! {
        <form
            class="composer"
            aria-label="Write a message"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <textarea
                node_ref=input
                data-testid="composer-input"
                rows="1"
                placeholder="Message (Enter sends, Shift+Enter new line, ↑ history, Tab nicks, /help)"
                aria-label="Message"
                aria-keyshortcuts="Enter Shift+Enter ArrowUp ArrowDown Tab"
                prop:value=move || draft.get()
                on:input=move |ev| {
                    // Any edit ends a history walk and a completion cycle.
                    history.update_value(InputHistory::stop_walking);
                    completion.set_value(None);
                    draft.set(event_target_value(&ev));
                }
                on:keydown=on_keydown
            ></textarea>
            <button data-testid="send-button" type="submit">"Send"</button>
        </form>
    }
}

/// Recent authors (newest first), then the users the protocol reports; never the own nick.
fn candidate_nicks(session: &ChatSession) -> Vec<String> {
    let own = session.settings.with_untracked(|s| s.nick.clone());
    session
        .with_shown_log(|log| {
            let recent =
                log.entries().rev().take(RECENT_AUTHORS_SCANNED).filter_map(|e| e.nick.as_deref().map(str::to_string));
            let mut nicks: Vec<String> = Vec::new();
            for nick in recent.chain(log.users().iter().map(|u| u.nick.clone())) {
                if nick != own && !nicks.contains(&nick) {
                    nicks.push(nick);
                }
            }
            nicks
        })
        .unwrap_or_default()
}

/// The byte offset of a UTF-16 caret position (what the DOM reports) in a Rust string.
fn utf16_to_byte(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (byte, c) in text.char_indices() {
        if units >= utf16 {
            return byte;
        }
        units += c.len_utf16();
    }
    text.len()
}
