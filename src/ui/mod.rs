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
            <ErrorLine error=session.error />
            <ReconnectInfo session />
            <main class="conversation">
                <MessageList session />
                <aside class="users">
                    <h2>"Users"</h2>
                    // The plain-text format does not tell who is present; other formats fill this.
                    <ul data-testid="user-list" aria-label="Users"></ul>
                </aside>
            </main>
            <Composer session />
        </div>
    }
}

/// The latest error in words a person can act on; absent when there is none.
#[component]
fn ErrorLine(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <div class="error" role="alert">
                    <span data-testid="error">{message}</span>
                    <button type="button" class="dismiss" aria-label="Dismiss error" on:click=move |_| error.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}
