//! The message log: one row per kept entry, text always rendered as text, pinned to the newest.

use leptos::html;
use leptos::prelude::*;
use wschat_core::chat::{ChatLog, Entry};

/// How close to the bottom (in pixels) still counts as "reading the newest".
const PINNED_SLACK_PX: i32 = 40;

#[component]
pub fn MessageList(log: RwSignal<ChatLog>) -> impl IntoView {
    let list = NodeRef::<html::Ol>::new();
    let pinned = StoredValue::new(true);
    // Keep the newest message in view while the person is at the bottom; leave them alone when
    // they have scrolled up to read.
    Effect::new(move |_| {
        log.with(|l| l.total_received() + l.entries().len() as u64);
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
                children=|entry| view! { <MessageRow entry /> }
            />
        </ol>
    }
}

#[component]
fn MessageRow(entry: Entry) -> impl IntoView {
    let time = format_time(entry.time_ms);
    let full_time = js_sys::Date::new(&entry.time_ms.into()).to_string().as_string().unwrap_or_default();
    let status = entry.status.map(|s| s.as_str());
    let nick = entry.nick.as_deref().map(str::to_string);
    let nick_label = nick.clone();
    view! {
        <li
            class=format!("message {}", entry.kind.as_str())
            data-testid="message"
            data-kind=entry.kind.as_str()
            data-nick=nick
            data-status=status
        >
            <time class="time" title=full_time>{time}</time>
            {nick_label.map(|n| view! { <span class="nick">{n}</span> })}
            <span class="text" data-testid="message-text">{entry.text.to_string()}</span>
            {status.map(|s| view! { <span class="status-mark" title=s aria-label=s>{status_mark(s)}</span> })}
        </li>
    }
}

fn status_mark(status: &str) -> &'static str {
    match status {
        "pending" => "…",
        "sent" => "✓",
        "delivered" => "✓✓",
        _ => "!",
    }
}

/// HH:MM in the person's local time.
fn format_time(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
