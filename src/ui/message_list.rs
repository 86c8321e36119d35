//! The message log: one row per kept entry, text always rendered as text, pinned to the newest.

use leptos::html;
use leptos::prelude::*;
use wschat_core::chat::{display_text, human_size, Entry, OwnStatus, DISPLAY_LIMIT_BYTES};

use crate::session::ChatSession;

/// How close to the bottom (in pixels) still counts as "reading the newest".
const PINNED_SLACK_PX: i32 = 40;

#[component]
pub fn MessageList(session: ChatSession) -> impl IntoView {
    let log = session.log;
    let list = NodeRef::<html::Ol>::new();
    let pinned = StoredValue::new(true);
    // Keep the newest message in view while the person is at the bottom; leave them alone when
    // they have scrolled up to read.
    Effect::new(move |_| {
        log.with(|l| l.entries().next_back().map(|e| (e.id, e.status)));
        if let Some(el) = list.get() {
            if pinned.get_value() {
                el.set_scroll_top(el.scroll_height());
            }
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get() {
            pinned.set_value(el.scroll_height() - el.scroll_top() - el.client_height() <= PINNED_SLACK_PX);
        }
    };
    view! {
        <ol
            node_ref=list
            class="messages"
            data-testid="message-list"
            role="log"
            aria-live="polite"
            aria-label="Messages"
            data-total-received=move || log.with(|l| l.total_received().to_string())
            on:scroll=on_scroll
        >
            <For
                each=move || log.with(|l| l.entries().cloned().collect::<Vec<_>>())
                key=|entry| (entry.id, entry.status)
                children=move |entry| view! { <MessageRow entry session /> }
            />
        </ol>
    }
}

#[component]
fn MessageRow(entry: Entry, session: ChatSession) -> impl IntoView {
    let time = format_time(entry.time_ms);
    let full_time = js_sys::Date::new(&entry.time_ms.into()).to_string().as_string().unwrap_or_default();
    let status = entry.status.map(|s| s.as_str());
    let nick = entry.nick.as_deref().map(str::to_string);
    let nick_label = nick.clone();
    let (shown, truncated) = display_text(&entry.text);
    let shown = shown.to_string();
    let full_text = entry.text.clone();
    let id = entry.id;
    view! {
        <li
            class=format!("message {}", entry.kind.as_str())
            data-testid="message"
            data-kind=entry.kind.as_str()
            data-nick=nick
            data-status=status
        >
            <time class="time" title=full_time>{time}</time>
            {nick_label.map(|n| view! { <span class="nick" dir="auto">{n}</span> })}
            <span class="text" dir="auto" data-testid="message-text" data-truncated=truncated.then_some("true")>
                {shown}
            </span>
            {truncated.then(|| {
                let size = human_size(full_text.len());
                let note = format!("showing the first {} of {size}", human_size(DISPLAY_LIMIT_BYTES));
                view! {
                    <span class="truncated-note">{note}</span>
                    <button type="button" class="small" on:click=move |_| copy_to_clipboard(&full_text)>
                        "Copy full text"
                    </button>
                }
            })}
            {status.map(|s| view! { <span class="status-mark" title=s aria-label=s>{status_mark(s)}</span> })}
            {(entry.status == Some(OwnStatus::Failed)).then(|| {
                view! {
                    <button type="button" class="small" data-testid="retry-button" on:click=move |_| session.retry(id)>
                        "Retry"
                    </button>
                    <button type="button" class="small secondary" data-testid="discard-button" on:click=move |_| session.discard(id)>
                        "Discard"
                    </button>
                }
            })}
        </li>
    }
}

fn status_mark(status: &str) -> &'static str {
    match status {
        "pending" => "…",
        "sent" => "✓",
        "delivered" => "✓✓",
        _ => "failed",
    }
}

/// HH:MM in the person's local time.
fn format_time(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        // The promise is not awaited: the browser shows its own prompt or error if it refuses.
        let _ = window.navigator().clipboard().write_text(text);
    }
}
