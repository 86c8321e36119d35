//! Browser timers that own their callback: dropping a [`Timeout`], [`Interval`] or
//! [`AnimationFrame`] cancels it and frees the closure, so timers made per connection never
//! pile up.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A closure the browser may call more than once, that runs `callback` the first time only.
fn once(callback: impl FnOnce() + 'static) -> Closure<dyn FnMut()> {
    let mut callback = Some(callback);
    Closure::<dyn FnMut()>::new(move || {
        if let Some(callback) = callback.take() {
            callback();
        }
    })
}

/// A pending `setTimeout`; cancelled when dropped.
pub struct Timeout {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `callback` once after `delay_ms`. If the browser refuses the timer (no window),
    /// the callback never runs; callers treat that like a cancelled timer.
    pub fn new(delay_ms: f64, callback: impl FnOnce() + 'static) -> Self {
        let closure = once(callback);
        let delay = delay_ms.clamp(0.0, i32::MAX as f64) as i32;
        let id = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), delay).ok()
        });
        Timeout { id, _callback: closure }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let (Some(id), Some(window)) = (self.id, web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
    }
}

/// A repeating `setInterval`; cancelled and freed when dropped.
pub struct Interval {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `callback` every `period_ms` until dropped.
    pub fn new(period_ms: f64, callback: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(callback);
        let period = period_ms.clamp(1.0, i32::MAX as f64) as i32;
        let id = web_sys::window().and_then(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), period).ok()
        });
        Interval { id, _callback: closure }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let (Some(id), Some(window)) = (self.id, web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
    }
}

/// A pending `requestAnimationFrame`; cancelled and freed when dropped.
pub struct AnimationFrame {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl AnimationFrame {
    /// Calls `callback` once before the next paint.
    pub fn new(callback: impl FnOnce() + 'static) -> Self {
        let closure = once(callback);
        let id = web_sys::window().and_then(|w| w.request_animation_frame(closure.as_ref().unchecked_ref()).ok());
        AnimationFrame { id, _callback: closure }
    }
}

impl Drop for AnimationFrame {
    fn drop(&mut self) {
        if let (Some(id), Some(window)) = (self.id, web_sys::window()) {
            let _ = window.cancel_animation_frame(id);
        }
    }
}

/// Resolves after `delay_ms`, for a task that waits its turn.
pub async fn pause(delay_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        // No window: never resolves, and the task waiting on it is dropped with the page.
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay_ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
