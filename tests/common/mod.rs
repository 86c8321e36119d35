//! Helpers shared by the browser tests: where the reference server is, and waiting on events.
#![allow(dead_code)] // each test file uses a different subset

pub mod dom;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How long any single wait may take before the test fails with what it was waiting for.
pub const WAIT_MS: i32 = 15_000;

/// The reference server the test command started (`ws://127.0.0.1:PORT`).
pub fn server() -> String {
    option_env!("WSCHAT_TEST_SERVER").unwrap_or("ws://127.0.0.1:9001").to_string()
}

/// A port on loopback where nothing listens (the test command checks it is free).
pub fn closed_port() -> u16 {
    option_env!("WSCHAT_CLOSED_PORT").and_then(|p| p.parse().ok()).unwrap_or(45_999)
}

/// A room name no other test uses, so broadcast tests do not see each other's messages.
pub fn unique_room(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e9) as u64)
}

/// Resolves after `ms` milliseconds: the upper bound of a wait, or time let pass by [`pass_until`];
/// never to synchronise.
pub async fn timeout(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Returns once `Date.now()` has reached `at_ms`. Only for showing that something did not
/// happen by then: that has no event to wait for.
pub async fn pass_until(at_ms: f64) {
    loop {
        let left = at_ms - js_sys::Date::now();
        if left <= 0.0 {
            return;
        }
        timeout(left.ceil().min(i32::MAX as f64) as i32).await;
    }
}

/// Waits until `cond` holds, re-checking whenever a signal it reads changes.
pub async fn until(what: &str, cond: impl Fn() -> bool + 'static) {
    // Effects run on the wasm-bindgen executor; a test without a mounted app must start it.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let (tx, rx) = oneshot::channel::<()>();
    let tx = RefCell::new(Some(tx));
    let effect = Effect::new(move |_| {
        if cond() {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(());
            }
        }
    });
    let outcome = select(rx, Box::pin(timeout(WAIT_MS))).await;
    effect.stop();
    if let Either::Right(_) = outcome {
        panic!("timed out after {WAIT_MS} ms waiting for: {what}");
    }
}

/// Waits until `cond` holds, re-checking on every DOM mutation under `root`; the panic on
/// timeout includes the text of `root`, so a failure shows what the page said instead.
pub async fn until_dom(what: &str, root: &web_sys::Element, cond: impl Fn() -> bool + 'static) {
    if cond() {
        return;
    }
    let (tx, rx) = oneshot::channel::<()>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let on_mutation = Closure::<dyn FnMut()>::new({
        let tx = tx.clone();
        move || {
            if cond() {
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
            }
        }
    });
    let observer = web_sys::MutationObserver::new(on_mutation.as_ref().unchecked_ref()).expect("observer");
    let init = web_sys::MutationObserverInit::new();
    init.set_subtree(true);
    init.set_child_list(true);
    init.set_attributes(true);
    init.set_character_data(true);
    observer.observe_with_options(root, &init).expect("observe");
    let outcome = select(rx, Box::pin(timeout(WAIT_MS))).await;
    observer.disconnect();
    drop(on_mutation);
    if let Either::Right(_) = outcome {
        let page = root.text_content().unwrap_or_default();
        panic!("timed out after {WAIT_MS} ms waiting for: {what}\npage text: {page}");
    }
}
