//! Getting the person's attention when they look elsewhere: the unread count in the page title
//! while the page is hidden, and desktop notifications for mentions (asked for on a click only).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::tabs::Tabs;
use crate::listener::WindowListener;
use crate::session::ChatSession;

const BASE_TITLE: &str = "wschat";
/// Longest message text put in a notification.
const NOTIFICATION_TEXT_CHARS: usize = 180;

/// Whether the page is visible, following `visibilitychange`.
pub fn page_visibility() -> Signal<bool> {
    let visible = RwSignal::new(!document_hidden());
    let listener = WindowListener::new("visibilitychange", move |_| visible.set(!document_hidden()));
    let listener: StoredValue<Option<WindowListener>, LocalStorage> = StoredValue::new_local(Some(listener));
    on_cleanup(move || {
        listener.try_set_value(None);
    });
    visible.into()
}

fn document_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// Keeps `document.title` as "(3) wschat" while the page is hidden and messages arrive.
#[component]
pub fn UnreadTitle(tabs: Tabs, page_visible: Signal<bool>) -> impl IntoView {
    let unread = Memo::new(move |_| tabs.all().iter().map(|c| c.session.unread()).fold(0u32, u32::saturating_add));
    Effect::new(move |_| {
        let title = match (page_visible.get(), unread.get()) {
            (false, n) if n > 0 => format!("({n}) {BASE_TITLE}"),
            _ => BASE_TITLE.to_string(),
        };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if document.title() != title {
                document.set_title(&title);
            }
        }
    });
    on_cleanup(|| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(BASE_TITLE);
        }
    });
}

/// Raises a desktop notification when someone mentions the person's nick while they are not
/// reading this conversation (another tab shown, or the page hidden), if they allowed it.
pub fn notify_on_mentions(session: ChatSession, shown: Signal<bool>) {
    let mentions = Memo::new(move |_| session.unread_mentions());
    Effect::new(move |previous: Option<u32>| {
        let count = mentions.get();
        let grew = previous.is_some_and(|p| count > p);
        if grew && (!shown.get_untracked() || document_hidden()) && permission() == "granted" {
            // The newest mention, whichever conversation it is in (ids grow within each only).
            let latest = session.chats.with_untracked(|chats| {
                chats
                    .list()
                    .iter()
                    .filter_map(|c| c.log.entries().rev().find(|e| e.mention))
                    .max_by(|a, b| a.time_ms.total_cmp(&b.time_ms))
                    .map(|e| (e.nick.as_deref().unwrap_or("someone").to_string(), e.text.to_string()))
            });
            if let Some((nick, text)) = latest {
                let body: String = text.chars().take(NOTIFICATION_TEXT_CHARS).collect();
                let options = web_sys::NotificationOptions::new();
                options.set_body(&body);
                options.set_tag("wschat-mention");
                // A refused notification changes nothing in the chat; the unread count still shows it.
                let _ = web_sys::Notification::new_with_options(&format!("{nick} mentioned you"), &options);
            }
        }
        count
    });
}

/// The Notification API's permission: "granted", "denied", "default", or "unsupported".
fn permission() -> String {
    let supported =
        web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false));
    if !supported {
        return "unsupported".into();
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    }
    .into()
}

/// Asks for notification permission, on the person's click only; hidden once they answered.
#[component]
pub fn NotifyButton() -> impl IntoView {
    let state = RwSignal::new(permission());
    let ask = move |_| {
        let Ok(promise) = web_sys::Notification::request_permission() else { return };
        // Called once by the browser with the answer, then freed.
        let answered: JsValue = Closure::<dyn FnMut(JsValue)>::once_into_js(move |_: JsValue| state.set(permission()));
        // Through Reflect: js-sys's typed `then` wants a scoped closure, which must outlive the
        // promise; a once-closure frees itself when called.
        if let Ok(then) = js_sys::Reflect::get(&promise, &"then".into()) {
            let _ = then.unchecked_ref::<js_sys::Function>().call1(&promise, &answered);
        }
    };
    view! {
        <Show when=move || state.get() == "default">
            <button type="button" class="secondary" data-testid="notify-button" on:click=ask>
                "Notify me of mentions"
            </button>
        </Show>
    }
}
