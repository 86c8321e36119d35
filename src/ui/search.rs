//! The history tools: search of every server's stored lines (Ctrl+Shift+F, Esc closes, arrows
//! move through the hits) and forgetting the shown server's. The search panel (`panel`) is
//! fetched when the search is first opened (src/ui/lazy.rs).

mod panel;

use leptos::ev;
use leptos::prelude::*;

pub use panel::SearchPanel;

use super::lazy;
use super::tabs::{Tab, Tabs};
use crate::store::{Store, MOST_LINES};
use wschat_core::chat::human_size;

/// A hit as the list shows it.
#[derive(Clone)]
struct Shown {
    /// Its place in the list, for keys and arrows.
    n: usize,
    /// The conversation's key in its server's store, and the server's id.
    key: String,
    server: String,
    /// The open tab connected to its server (this one first), if any.
    tab: Option<u64>,
    /// Whether that tab is this one.
    here: bool,
    /// The conversation's `data-name`.
    name: String,
    text: String,
    time_ms: f64,
    term: String,
}

/// What the tools and the search panel share; kept while the panel is closed, so that it opens
/// again with what it found.
#[derive(Clone, Copy)]
pub struct SearchState {
    pub open: RwSignal<bool>,
    hits: RwSignal<Vec<Shown>>,
    status: RwSignal<String>,
    /// A term to look up once the panel is there (`/search words`).
    asked: RwSignal<Option<String>>,
    /// Notified each time the search is opened: the panel's field takes focus.
    focus: Trigger,
}

#[component]
pub fn HistoryTools(tab: Tab, tabs: Tabs) -> impl IntoView {
    let session = tab.session;
    let state = SearchState {
        open: RwSignal::new(false),
        hits: RwSignal::new(Vec::new()),
        status: RwSignal::new(String::new()),
        asked: RwSignal::new(None),
        focus: Trigger::new(),
    };
    let (open, hits, status) = (state.open, state.hits, state.status);
    // With `usage`, says what is kept until a search says more.
    let show_search = move |usage: bool| {
        open.set(true);
        state.focus.notify();
        if usage && hits.with_untracked(Vec::is_empty) {
            leptos::task::spawn_local(async move {
                if let Ok((lines, bytes)) = Store::get().usage().await {
                    let bytes = bytes.map(|b| format!(", {} on this site", human_size(b as usize))).unwrap_or_default();
                    status.try_set(format!(
                        "{lines} lines kept in this browser{bytes}; at most {MOST_LINES}, the oldest go first."
                    ));
                }
            });
        }
    };
    let keys = window_event_listener(ev::keydown, move |e| {
        if e.ctrl_key() && e.shift_key() && e.key().eq_ignore_ascii_case("f") {
            e.prevent_default();
            show_search(true);
        }
    });
    on_cleanup(move || keys.remove());
    // A term the panel never got to (its module did not come) is not looked up at a later
    // opening.
    Effect::new(move |_| {
        if !open.get() {
            state.asked.set(None);
        }
    });
    // `/search words` typed in the composer: the panel looks it up.
    Effect::new(move |_| {
        if let Some(term) = session.search_request.get() {
            session.search_request.set(None);
            state.asked.set(Some(term));
            show_search(false);
        }
    });
    let forget = move |_| {
        let sure = window()
            .confirm_with_message(
                "Forget the stored history of this server? Lines shown now stay until the page closes.",
            )
            .unwrap_or(false);
        if sure {
            session.forget_history();
        }
    };
    view! {
        <div class="history-tools">
            <button
                type="button"
                class="secondary small"
                data-testid="search-button"
                title="Search the stored history (Ctrl+Shift+F)"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| if open.get_untracked() { open.set(false) } else { show_search(true) }
            >
                "Search"
            </button>
            <button type="button" class="secondary small" data-testid="forget-history-button" on:click=forget>
                "Forget history"
            </button>
        </div>
        <Show when=move || open.get()>{
            let tab = tab.clone();
            move || lazy::search_panel(tab.clone(), tabs, state)
        }</Show>
    }
}
