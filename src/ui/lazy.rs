//! Views fetched when first shown. In a split release build (`split_views`, build.rs) the code
//! that only the frame inspector, the search panel or the jump-to box reaches is a wasm module
//! of its own, which the first load does not carry; any other build has them at hand.

use leptos::prelude::*;

use super::conversation_list::JumpTo;
use super::inspector::Inspector;
use super::search::{SearchPanel, SearchState};
use super::tabs::{Tab, Tabs};
use crate::session::ChatSession;

/// In the context of a view made after a person pressed Try again: the button went with the
/// error, and the focus with it, so the view takes the focus (the search and the jump-to box
/// take it whenever they show).
#[derive(Clone, Copy)]
pub struct TakeFocus;

/// What the search panel is made from: its tab, all tabs, and what it shares with the tools.
type SearchArgs = (Tab, Tabs, SearchState);
/// What the jump-to box is made from: the session, the composer's draft, and whether it is open.
type JumpToArgs = (ChatSession, RwSignal<String>, RwSignal<bool>);

/// The frame inspector of `session`'s connection.
pub fn inspector(session: ChatSession) -> AnyView {
    #[cfg(split_views)]
    return split::shown_when_loaded(&split::INSPECTOR, split::inspector, session, "the frame inspector");
    #[cfg(not(split_views))]
    make_inspector(session)
}

/// The search panel of tab `tab`.
pub fn search_panel(tab: Tab, tabs: Tabs, state: SearchState) -> AnyView {
    #[cfg(split_views)]
    return split::shown_when_loaded(&split::SEARCH, split::search_panel, (tab, tabs, state), "the search");
    #[cfg(not(split_views))]
    make_search_panel((tab, tabs, state))
}

/// The box that jumps to a conversation by name (Ctrl+K), open while `jumping`.
pub fn jump_to(session: ChatSession, draft: RwSignal<String>, jumping: RwSignal<bool>) -> AnyView {
    #[cfg(split_views)]
    return split::shown_when_loaded(
        &split::JUMP_TO,
        split::jump_to,
        (session, draft, jumping),
        "jumping to a conversation",
    );
    #[cfg(not(split_views))]
    make_jump_to((session, draft, jumping))
}

fn make_inspector(session: ChatSession) -> AnyView {
    view! { <Inspector session /> }.into_any()
}

fn make_search_panel((tab, tabs, state): SearchArgs) -> AnyView {
    view! { <SearchPanel tab tabs state /> }.into_any()
}

fn make_jump_to((session, draft, jumping): JumpToArgs) -> AnyView {
    view! { <JumpTo session draft jumping /> }.into_any()
}

#[cfg(split_views)]
mod split {
    use std::future::Future;
    use std::sync::OnceLock;

    use leptos::prelude::*;

    // Core's split points share the build (build.rs sets `split_views` where core/build.rs
    // sets `split_formats`), and their error.
    use wschat_core::protocol::SplitLoadFailed as LoadFailed;

    use super::{ChatSession, JumpToArgs, SearchArgs, TakeFocus};

    /// A view's maker, taken from its module.
    pub type Maker<A> = fn(A) -> AnyView;

    pub static INSPECTOR: OnceLock<Maker<ChatSession>> = OnceLock::new();
    pub static SEARCH: OnceLock<Maker<SearchArgs>> = OnceLock::new();
    pub static JUMP_TO: OnceLock<Maker<JumpToArgs>> = OnceLock::new();

    #[wasm_split_helpers::wasm_split(view_inspector, fallible)]
    pub fn inspector() -> Result<Maker<ChatSession>, LoadFailed> {
        Ok(super::make_inspector)
    }

    #[wasm_split_helpers::wasm_split(view_search, fallible)]
    pub fn search_panel() -> Result<Maker<SearchArgs>, LoadFailed> {
        Ok(super::make_search_panel)
    }

    #[wasm_split_helpers::wasm_split(view_jump_to, fallible)]
    pub fn jump_to() -> Result<Maker<JumpToArgs>, LoadFailed> {
        Ok(super::make_jump_to)
    }

    /// The view `loaded` makes from `args`; until `load` has fetched its module, a word that it
    /// is loading, and if the fetch fails, why, with a button to try again.
    pub fn shown_when_loaded<A, L, F>(
        loaded: &'static OnceLock<Maker<A>>,
        load: L,
        args: A,
        what: &'static str,
    ) -> AnyView
    where
        A: Clone + Send + 'static,
        L: Fn() -> F + Copy + Send + 'static,
        F: Future<Output = Result<Maker<A>, LoadFailed>> + 'static,
    {
        if let Some(make) = loaded.get() {
            return make(args);
        }
        // None while the module is on its way; then whether it came.
        let came = RwSignal::new(None::<bool>);
        let retried = StoredValue::new(false);
        let fetch = move || {
            came.set(None);
            leptos::task::spawn_local(async move {
                let result = load().await;
                if let Ok(make) = result {
                    let _ = loaded.set(make);
                }
                came.try_set(Some(result.is_ok()));
            });
        };
        fetch();
        // Made once its module is there, also when another place's load brought it.
        (move || match (came.get(), loaded.get()) {
            (Some(_), Some(make)) => {
                if retried.get_value() {
                    provide_context(TakeFocus);
                }
                make(args.clone())
            }
            (Some(false), None) => view! {
                <p class="error load-error" role="alert">
                    "wschat could not load its code for " {what}
                    ": the network may be down, or a newer version of wschat is out (reload the page). "
                    <button type="button" class="secondary small" on:click=move |_| {
                            retried.set_value(true);
                            fetch();
                        }>
                        "Try again"
                    </button>
                </p>
            }
            .into_any(),
            _ => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        })
        .into_any()
    }
}
