//! Leptos components of the chat view; each reads signals and calls session actions.

mod attention;
mod chunks;
mod composer;
mod connect_form;
mod conversation_list;
mod dom;
mod inspector;
mod lazy;
mod message_list;
mod reconnect_info;
mod rows;
mod search;
mod status_bar;
mod tabs;
mod user_list;

use leptos::prelude::*;
use wschat_core::settings::{query_lookup, Settings};
use wschat_core::url::mask_credentials_in_text;

use crate::session::{remembered_nick, remembered_settings, ChatSession};
use attention::{page_visibility, NotifyButton, UnreadTitle};
use composer::Composer;
use connect_form::ConnectForm;
use conversation_list::ConversationList;
use message_list::MessageList;
use reconnect_info::ReconnectInfo;
use search::HistoryTools;
use status_bar::StatusBar;
use tabs::{Tab, TabStrip, Tabs};
use user_list::UserList;

/// The query parameters of the UI contract (and the client's own extras).
const SETTINGS_PARAMS: [&str; 12] = [
    "url",
    "nick",
    "protocol",
    "subprotocols",
    "channel",
    "login",
    "connect",
    "template",
    "idle_timeout",
    "connect_timeout",
    "history",
    "send_prefix",
];

/// The whole client: settings from the query string (or, on a bare visit, the last ones used),
/// one connection per tab, the active one shown.
#[component]
pub fn App() -> impl IntoView {
    let (settings, problems) = initial_settings();
    let connect_on_load = settings.connect_on_load;
    let tabs = Tabs::new();
    let first = tabs.open(settings.clone(), false);
    // Every problem goes in the timeline; the error line shows them together, and keeps them
    // once the connection opens (they are about the link, not the connection).
    if !problems.is_empty() {
        first.session.report_lasting(problems.join(" "));
    }
    // After the problems, so that a connection error is the one left showing.
    if connect_on_load {
        first.session.connect(settings);
    } else {
        first.session.show_stored_history();
    }
    let page_visible = page_visibility();
    let inspector_open = RwSignal::new(false);
    let active = tabs.active_tab();
    view! {
        <div class="app" class:with-inspector=move || inspector_open.get()>
            <UnreadTitle tabs page_visible />
            <header class="bar top">
                <h1 class="brand">"wschat"</h1>
                <TabStrip tabs />
                <div class="tools">
                    <NotifyButton />
                    <button
                        type="button"
                        class="secondary"
                        data-testid="inspector-toggle"
                        aria-pressed=move || inspector_open.get().to_string()
                        on:click=move |_| inspector_open.update(|open| *open = !*open)
                    >
                        "Inspector"
                    </button>
                </div>
            </header>
            {move || {
                active.get().map(|tab| view! { <TabView tab tabs page_visible inspector_open /> })
            }}
        </div>
    }
}

/// One connection's view: its form and status, its conversations, and the shown one's log,
/// users and composer, beside the inspector.
#[component]
fn TabView(tab: Tab, tabs: Tabs, page_visible: Signal<bool>, inspector_open: RwSignal<bool>) -> impl IntoView {
    let session = tab.session;
    // Connected, the form folds into one compact line beside the status, so the conversation
    // gets the screen; its fields stay there (the UI contract's, which tests fill while
    // connected), and focusing one, or the button, opens the whole form again.
    let editing = RwSignal::new(false);
    let state = session.socket.ready_state();
    let folded = move || state.get() == crate::socket::ReadyState::Open && !editing.get();
    // Each new connection starts folded again.
    Effect::new(move |before: Option<crate::socket::ReadyState>| {
        let now = state.get();
        if now == crate::socket::ReadyState::Open && before != Some(now) {
            editing.set(false);
        }
        now
    });
    view! {
        <div class="connection bar" class:folded=folded on:focusin=move |ev| unfold_for_field(&ev, editing)>
            <ConnectForm session />
            <StatusBar socket=session.socket />
            <button
                type="button"
                class="secondary small fold-toggle"
                aria-expanded=move || (!folded()).to_string()
                on:click=move |_| editing.update(|e| *e = !*e)
            >
                {move || if folded() { "Edit connection" } else { "Fold" }}
            </button>
        </div>
        <ErrorLine session />
        <ReconnectInfo session />
        <HistoryTools tab=tab.clone() tabs />
        <main class="conversation">
            <ConversationList session draft=tab.draft />
            <ShownConversation tab=tab.clone() page_visible />
            <UserList session />
            <Show when=move || inspector_open.get()>
                {lazy::inspector(session)}
            </Show>
        </main>
        <Composer session draft=tab.draft />
    }
}

/// A field of the folded form taking focus opens the form. Only a field: a button (Disconnect)
/// must stay where it is between the press and the release, or the click is lost.
fn unfold_for_field(ev: &web_sys::FocusEvent, editing: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    let field = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    if field {
        editing.set(true);
    }
}

/// The latest error in words a person can act on; absent when there is none.
#[component]
fn ErrorLine(session: ChatSession) -> impl IntoView {
    let error = session.error;
    move || {
        error.get().map(|message| {
            view! {
                <div class="error" role="alert">
                    // Errors name the address ("The connection to wss://… failed"): not its credentials.
                    <span data-testid="error">{mask_credentials_in_text(&message)}</span>
                    <Show when=move || session.cleartext_host.get().is_some()>
                        <button
                            type="button"
                            data-testid="send-password-anyway-button"
                            on:click=move |_| session.send_password_in_clear()
                        >
                            "Send the password unencrypted"
                        </button>
                    </Show>
                    <Show when=move || session.subprotocol_hint.get()>
                        <button
                            type="button"
                            data-testid="retry-without-subprotocols-button"
                            on:click=move |_| session.retry_without_subprotocols()
                        >
                            "Retry without subprotocols"
                        </button>
                    </Show>
                    <button type="button" class="dismiss" aria-label="Dismiss error" on:click=move |_| error.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

/// The shown conversation's topic and log; the log is made anew when another is shown, with
/// the scroll position that conversation had.
#[component]
fn ShownConversation(tab: Tab, page_visible: Signal<bool>) -> impl IntoView {
    let session = tab.session;
    let shown = Memo::new(move |_| session.chats.with(|c| c.shown().target.clone()));
    let topic = Memo::new(move |_| session.chats.with(|c| c.shown().topic.clone()));
    view! {
        <div class="shown-conversation">
            {move || topic.get().map(|topic| view! { <p class="topic" data-testid="topic">{topic}</p> })}
            {move || {
                let memory = tab.scroll_for(&shown.get());
                view! { <MessageList session memory page_visible /> }
            }}
        </div>
    }
}

/// The contract's query parameters when the address has any; on a bare visit, the settings of
/// the last connection (a link always means exactly what it says).
fn initial_settings() -> (Settings, Vec<String>) {
    let random = js_sys::Math::random();
    let linked = SETTINGS_PARAMS.iter().any(|name| query_param(name).is_some());
    match remembered_settings().filter(|_| !linked) {
        Some(stored) => {
            let (settings, _) = Settings::from_query(query_lookup(&stored), remembered_nick(), random);
            (settings, Vec::new())
        }
        None => Settings::from_query(query_param, remembered_nick(), random),
    }
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}
