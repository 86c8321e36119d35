//! The search panel: a field, what the search found, and the way to each hit's line. Fetched
//! when the search is first opened (src/ui/lazy.rs).

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wschat_core::settings::{query_lookup, Settings};
use wschat_core::unicode::lowercase;

use super::{SearchState, Shown};
use crate::session::{remembered_nick, server_settings};
use crate::store::{Hit, Store};
use crate::ui::tabs::{Tab, Tabs};

/// Hits shown at most.
const HITS: u32 = 100;

/// Lines looked at, at most, for a term most of whose lines the index finds do not say whole:
/// this many times [`HITS`] (the newest 102,400 such lines).
const DEEPEST: u32 = 1024;

#[component]
pub fn SearchPanel(tab: Tab, tabs: Tabs, state: SearchState) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let list = NodeRef::<html::Ol>::new();
    let run = move |term: String| {
        let term = term.trim().to_string();
        // Looked up as the index keeps words (lowercase, cut at 32 characters): lines with all
        // of them; the whole term is then matched in the lines found.
        let words = wschat_core::history::words(&term);
        if words.is_empty() {
            state.status.set("Type two letters or more.".into());
            state.hits.set(Vec::new());
            return;
        }
        state.status.set("Searching…".into());
        // The servers open in tabs: a hit opens in the tab of its server, this one first.
        let this = tab.id;
        let open_servers: Vec<OpenServer> = tabs
            .all()
            .into_iter()
            .map(|t| OpenServer {
                tab: t.id,
                server: t.session.server_id(),
                first_name: t.session.chats.with_untracked(|c| c.first().target.name.clone()),
            })
            .collect();
        leptos::task::spawn_local(async move {
            // More than are shown: the whole term, matched here, may leave some out (its short
            // words are in no index: "line 7" looks up "line"). Deeper while too few match.
            let wanted = lowercase(&term);
            let mut asked = HITS * 4;
            let found = loop {
                match Store::get().search(&words, asked).await {
                    Ok(found) => {
                        let all_read = (found.len() as u32) < asked || asked >= HITS * DEEPEST;
                        let matching: Vec<Hit> =
                            found.into_iter().filter(|hit| lowercase(&hit.record.text).contains(&wanted)).collect();
                        if all_read || matching.len() >= HITS as usize {
                            break Ok(matching);
                        }
                        asked = (asked * 8).min(HITS * DEEPEST);
                    }
                    Err(why) => break Err(why),
                }
            };
            match found {
                Ok(found) => {
                    let shown: Vec<Shown> = found
                        .into_iter()
                        .take(HITS as usize)
                        .enumerate()
                        .map(|(n, hit)| shown(n, hit, &open_servers, this, &term))
                        .collect();
                    state.status.try_set(match shown.len() {
                        0 => format!("Nothing stored says “{term}”."),
                        1 => "1 line, newest first.".into(),
                        n => format!("{n} lines, newest first."),
                    });
                    state.hits.try_set(shown);
                }
                Err(why) => {
                    state.status.try_set(why);
                }
            }
        });
    };
    // The field takes focus each time the search is opened, and as the panel first shows.
    Effect::new(move |_| {
        state.focus.track();
        request_animation_frame(move || {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    });
    // `/search words` typed in the composer.
    Effect::new(move |_| {
        if let Some(term) = state.asked.get() {
            state.asked.set(None);
            let shown = term.clone();
            request_animation_frame(move || {
                if let Some(input) = input.get_untracked() {
                    input.set_value(&shown);
                }
            });
            run(term);
        }
    });
    let go_to = move |hit: &Shown| {
        // The tab of the hit's server, if it is still open and still on that server.
        let open_tab = hit
            .tab
            .and_then(|id| tabs.all().into_iter().find(|t| t.id == id))
            .filter(|t| t.session.server_id() == hit.server);
        let reopened = open_tab.is_none();
        let Some(there) = open_tab.or_else(|| reopen(tabs, &hit.server)) else {
            state
                .status
                .set("That line is of a server no tab is connected to: connect to it to see it in place.".into());
            return;
        };
        // A tab just opened restores its conversations from the store (also when it could not
        // connect as it was: credentials to type again).
        if reopened {
            state.open.try_set(false);
            there.session.show_stored_history();
            there.session.reveal_line(hit.key.clone(), hit.time_ms, hit.text.clone(), Some(there.draft));
            return;
        }
        let Some(index) = there.session.chats.with_untracked(|c| c.find_key(&hit.key)) else {
            state.status.set("That conversation is not open: join it to see the line in place.".into());
            return;
        };
        there.draft.set(there.session.show(index, there.draft.get_untracked()));
        state.open.set(false);
        there.session.reveal_line(hit.key.clone(), hit.time_ms, hit.text.clone(), None);
        // Last: this tab's view, this search with it, goes when another tab is shown.
        if there.id != tab.id {
            tabs.select(there.id);
        }
    };
    let on_key = move |e: ev::KeyboardEvent| match e.key().as_str() {
        "Enter" => {
            if let Some(input) = input.get_untracked() {
                run(input.value());
            }
        }
        "Escape" => state.open.set(false),
        "ArrowDown" => {
            e.prevent_default();
            focus_hit(list, -1, 1);
        }
        _ => {}
    };
    let on_list_key = move |e: ev::KeyboardEvent| {
        let step = match e.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            "Escape" => {
                state.open.set(false);
                return;
            }
            _ => return,
        };
        e.prevent_default();
        let at = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.get_attribute("data-n"))
            .and_then(|n| n.parse::<i32>().ok())
            .unwrap_or(0);
        focus_hit(list, at, step);
    };
    let hits = state.hits;
    let status = state.status;
    view! {
        <div class="search" role="search">
            <input
                node_ref=input
                type="search"
                data-testid="search-input"
                placeholder="Search every stored conversation"
                aria-label="Search every stored conversation"
                on:keydown=on_key
            />
            <p class="search-status" role="status">{move || status.get()}</p>
            <ol node_ref=list class="search-results" on:keydown=on_list_key>
                <For each=move || hits.get() key=|hit| (hit.n, hit.key.clone(), hit.text.clone()) let:hit>
                    <li>
                        <button
                            type="button"
                            data-testid="search-result"
                            data-conversation=hit.name.clone()
                            data-n=hit.n.to_string()
                            on:click={
                                let hit = hit.clone();
                                move |_| go_to(&hit)
                            }
                        >
                            <span class="where">
                                {hit.name.clone()}
                                {match (hit.here, hit.tab) {
                                    (true, _) => "",
                                    (false, Some(_)) => " (another tab)",
                                    (false, None) => " (a server not open)",
                                }}
                            </span>
                            <span data-testid="message-text">{highlighted(&hit.text, &hit.term)}</span>
                        </button>
                    </li>
                </For>
            </ol>
        </div>
    }
}

/// A new tab connected to the server `server` (a [`wschat_core::chat::server_id`]) as it was
/// last, if this browser connected to it before; shown.
fn reopen(tabs: Tabs, server: &str) -> Option<Tab> {
    let stored = server_settings(server)?;
    let (settings, _) = Settings::from_query(query_lookup(&stored), remembered_nick(), js_sys::Math::random());
    Some(tabs.open(settings, true))
}

/// A server open in a tab: which, and the name of its first conversation.
struct OpenServer {
    tab: u64,
    server: String,
    first_name: String,
}

/// A hit as shown: named after its conversation as the conversation list names it, in the tab
/// of its server where one is open (`open_servers`; tab `this` if it is one).
fn shown(n: usize, hit: Hit, open_servers: &[OpenServer], this: u64, term: &str) -> Shown {
    let of_server = |s: &&OpenServer| s.server == hit.server;
    let open =
        open_servers.iter().filter(of_server).find(|s| s.tab == this).or_else(|| open_servers.iter().find(of_server));
    let name = match (hit.conversation.split_once(':'), open) {
        (Some((_, name)), _) => name.to_string(),
        (None, Some(open)) => open.first_name.clone(),
        (None, None) => "server".to_string(),
    };
    Shown {
        n,
        key: hit.conversation,
        server: hit.server,
        tab: open.map(|s| s.tab),
        here: open.is_some_and(|s| s.tab == this),
        name,
        text: hit.record.text,
        time_ms: hit.record.time_ms,
        term: term.to_string(),
    }
}

/// The text with the first place the term is found marked, as text nodes (never HTML).
fn highlighted(text: &str, term: &str) -> impl IntoView {
    let lower = lowercase(text);
    let found = lower.find(&lowercase(term)).filter(|at| lower.len() == text.len() && text.is_char_boundary(*at));
    match found.map(|at| (at, at + term.len())).filter(|(_, end)| text.is_char_boundary(*end)) {
        Some((start, end)) => view! {
            {text[..start].to_string()}
            <mark>{text[start..end].to_string()}</mark>
            {text[end..].to_string()}
        }
        .into_any(),
        None => text.to_string().into_any(),
    }
}

/// Focus moves `step` hits from hit `at` (from the input: to the first).
fn focus_hit(list: NodeRef<html::Ol>, at: i32, step: i32) {
    let Some(list) = list.get_untracked() else { return };
    let buttons = list.query_selector_all("[data-testid=\"search-result\"]").ok();
    let Some(buttons) = buttons else { return };
    let count = buttons.length() as i32;
    if count == 0 {
        return;
    }
    let next = (at + step).rem_euclid(count);
    if let Some(button) = buttons.item(next as u32).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = button.focus();
    }
}
