//! Leptos components of the chat view; each reads signals and calls session actions.

mod composer;
mod connect_form;
mod message_list;
mod reconnect_info;
mod status_bar;

use leptos::prelude::*;
use wschat_core::settings::Settings;

use crate::session::{remembered_nick, ChatSession, SessionConfig};
use composer::Composer;
use connect_form::ConnectForm;
use message_list::MessageList;
use reconnect_info::ReconnectInfo;
use status_bar::StatusBar;

/// The whole client: settings from the query string, a session, and the chat view.
#[component]
pub fn App() -> impl IntoView {
    let (settings, problems) = Settings::from_query(query_param, remembered_nick(), js_sys::Math::random());
    let connect_on_load = settings.connect_on_load;
    let session = ChatSession::new(settings.clone(), SessionConfig::default());
    for problem in problems {
        session.report(problem);
    }
    if connect_on_load {
        session.connect(settings);
    }
    view! {
        <div class="app">
            <header class="bar">
                <h1 class="brand">"wschat"</h1>
                <ConnectForm session />
                <StatusBar socket=session.socket />
            </header>
            <ErrorLine session />
            <ReconnectInfo session />
            <main class="conversation">
                <MessageList session />
                <UserList log=session.log />
            </main>
            <Composer session />
        </div>
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
                    <span data-testid="error">{message}</span>
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

/// Who is present, where the protocol tells (IRC NAMES, joins and parts).
#[component]
fn UserList(log: RwSignal<wschat_core::chat::ChatLog>) -> impl IntoView {
    view! {
        <aside class="users">
            <h2>"Users"</h2>
            <ul data-testid="user-list" aria-label="Users">
                <For
                    each=move || log.with(|l| l.users().to_vec())
                    key=|nick| nick.clone()
                    children=|nick| view! { <li data-testid="user">{nick}</li> }
                />
            </ul>
        </aside>
    }
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}
