//! The composer: Enter sends, Shift+Enter inserts a newline, nothing typed is lost.

use leptos::html;
use leptos::prelude::*;

use crate::session::ChatSession;

#[component]
pub fn Composer(session: ChatSession) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let input = NodeRef::<html::Textarea>::new();
    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        if session.submit(&text) {
            draft.set(String::new());
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
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
                placeholder="Message (Enter sends, Shift+Enter for a new line)"
                aria-label="Message"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    // is_composing: Enter that confirms an IME composition must not send.
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button data-testid="send-button" type="submit">"Send"</button>
        </form>
    }
}
