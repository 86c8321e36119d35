//! Who is present in the shown conversation, where the protocol tells (IRC NAMES, joins, parts,
//! modes): only the rows in view, plus a margin, are in the document, whatever the size of the
//! channel. Rows are one line each, so where a row stands follows from its index.

use leptos::html;
use leptos::prelude::*;
use wschat_core::chat::User;

use crate::session::ChatSession;

/// Rows kept in the document beyond the view, each way.
const MARGIN_ROWS: usize = 30;

/// A row's height until one is measured (the stylesheet's 1.5rem at 16px).
const ROW_PX_GUESS: f64 = 24.0;

/// Until the list is measured: rows enough for a tall window.
const VIEW_PX_GUESS: f64 = 1200.0;

#[component]
pub fn UserList(session: ChatSession) -> impl IntoView {
    let list = NodeRef::<html::Ul>::new();
    // Where the list is scrolled and how tall it is, and a row's height.
    let view = RwSignal::new((0.0, VIEW_PX_GUESS));
    let row_px = RwSignal::new(ROW_PX_GUESS);
    let count = Memo::new(move |_| session.chats.with(|c| c.shown().log.users().len()));
    // Which list, and which version of it: the rows are taken again only when it changes.
    let revision = Memo::new(move |_| session.chats.with(|c| (c.shown_index(), c.shown().log.users_revision())));
    let window = Memo::new(move |_| {
        // Read, not only tracked: a memo no one reads is not brought up to date.
        let _ = revision.get();
        let ((top, height), px) = (view.get(), row_px.get());
        let first = ((top / px).max(0.0) as usize).saturating_sub(MARGIN_ROWS);
        let rows = (height / px).ceil() as usize + 2 * MARGIN_ROWS;
        session.chats.with_untracked(|c| {
            let users = c.shown().log.users();
            let first = first.min(users.len());
            (first, users[first..(first + rows).min(users.len())].to_vec())
        })
    });
    // Whole pixels, as integers: a float formatted anywhere brings the float formatter into
    // the wasm (scripts/test refuses it).
    // Read with try_: a frame's measuring may run after the list is gone.
    let px =
        move |rows: usize| format!("{}px", (rows as f64 * row_px.try_get().unwrap_or(ROW_PX_GUESS)).round() as i64);
    let above = move || px(window.with(|(first, _)| *first));
    let below = move || px(window.with(|(first, shown)| count.get().saturating_sub(first + shown.len())));
    let measure = move || {
        let Some(el) = list.try_get_untracked().flatten() else { return };
        let Some(measured_px) = row_px.try_get_untracked() else { return };
        // Never taller than the window: measured before the list is laid out in its place, it
        // would be as tall as all its rows, and all would be drawn.
        let screen =
            web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(VIEW_PX_GUESS);
        view.try_set((f64::from(el.scroll_top()), f64::from(el.client_height()).min(screen).max(1.0)));
        if let Some(row) = el.query_selector("[data-testid=\"user\"]").ok().flatten() {
            let height = row.get_bounding_client_rect().height();
            if height > 0.0 && (height - measured_px).abs() > 0.5 {
                row_px.try_set(height);
            }
        }
    };
    // On a narrow screen the list folds behind a button, as the conversations do.
    let open = RwSignal::new(false);
    // Measured once drawn, and again when the list changes size (another conversation shown,
    // the folded list opened).
    Effect::new(move |_| {
        let _ = (count.get(), open.get());
        request_animation_frame(measure);
    });
    view! {
        <aside class="users" class:open=move || open.get() aria-label="Users">
            <h2>"Users"</h2>
            <button
                type="button"
                class="secondary users-toggle"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || format!("Users ({})", count.get())}
            </button>
            <ul node_ref=list data-testid="user-list" data-count=move || count.get().to_string() on:scroll=move |_| measure()>
                // Spacers for the rows out of the document (not padding: a box is never shorter
                // than its padding, and the list would grow to hold them all).
                <li class="spacer" aria-hidden="true" style:height=above></li>
                // A window's rows, made again when it moves or the list changes: a hundred
                // plain rows cost less than diffing them.
                {move || window.with(|(_, users)| users.iter().map(user_row).collect_view())}
                <li class="spacer" aria-hidden="true" style:height=below></li>
            </ul>
            <Show when=move || count.get() == 0>
                <p class="users-unknown">"not told by this server"</p>
            </Show>
        </aside>
    }
}

/// One user: the nick as text, the prefix (`@`, `+`) an attribute the style shows.
fn user_row(user: &User) -> impl IntoView {
    let title = match user.prefix() {
        Some('@') => Some("operator"),
        Some('+') => Some("voiced"),
        Some('%') => Some("half-operator"),
        Some('~') => Some("owner"),
        Some('&') => Some("admin"),
        _ => None,
    };
    let prefix = user.prefix().map(String::from);
    view! {
        <li data-testid="user" data-nick=user.nick.clone() data-prefix=prefix title=title>
            {user.nick.clone()}
        </li>
    }
}
