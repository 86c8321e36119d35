//! A window event listener that owns its closure: dropping it removes the listener and frees
//! the closure (Leptos's `window_event_listener` hands the closure to the JS collector, which
//! would keep one per tab ever opened).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub struct WindowListener {
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl WindowListener {
    /// Listens for `event` on the window until dropped; does nothing where there is no window.
    pub fn new(event: &'static str, callback: impl FnMut(web_sys::Event) + 'static) -> Self {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        }
        WindowListener { event, callback }
    }
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(self.event, self.callback.as_ref().unchecked_ref());
        }
    }
}
