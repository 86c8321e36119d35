//! Web Locks as the outbox needs them: a lock held for as long as its owner lives, and waiting
//! for another page's lock, which the browser frees when that page closes or crashes. Where
//! the browser has none (plain http from another machine), `src/store/store.js` keeps the same promises
//! with leases in localStorage, renewed while their page lives.
//!
//! A lease not renewed for 150 s is a crashed page's: hidden tabs may run timers only once a
//! minute (Chromium's intensive throttling). Granting writes the lease and reads it back 100 ms
//! later, when other pages' storage writes have reached this one, so of two pages that claim
//! one lease at once only the last writer holds it. Promises and an abort rather than
//! callbacks, so that no Rust closure has to outlive the call.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/store/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = locksAvailable)]
    fn locks_available() -> bool;

    #[derive(Clone)]
    type HeldLock;

    #[wasm_bindgen(constructor, catch)]
    fn new(name: &str, if_available: bool) -> Result<HeldLock, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn granted(this: &HeldLock) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn release(this: &HeldLock);
}

/// A request for a named lock; dropping it lets the lock go, or stops waiting for it.
pub struct Lock(HeldLock);

/// How a request for a lock ended.
pub enum Outcome {
    /// Held until the [`Lock`] is dropped.
    Held(Lock),
    /// Someone else holds it (asked with `if_available`).
    Taken,
    /// This browser has neither Web Locks nor storage for leases, or refused.
    NoLocks,
}

impl Lock {
    /// Asks for the lock `name`; with `if_available` the answer comes at once, else once the lock
    /// is free. The request starts now.
    pub fn request(name: &str, if_available: bool) -> LockRequest {
        let lock = locks_available().then(|| HeldLock::new(name, if_available).ok()).flatten();
        LockRequest(lock.map(Lock))
    }
}

/// A lock asked for and not yet granted.
pub struct LockRequest(Option<Lock>);

impl LockRequest {
    /// A second handle on the request: dropping it withdraws the request, or lets the lock go
    /// once granted, whoever holds the first (a wait for another page ends with its owner).
    pub fn handle(&self) -> Option<Lock> {
        self.0.as_ref().map(|lock| Lock(lock.0.clone()))
    }

    /// Waits for the answer.
    pub async fn granted(self) -> Outcome {
        let Some(lock) = self.0 else { return Outcome::NoLocks };
        match JsFuture::from(lock.0.granted()).await {
            Ok(held) if held.as_bool() == Some(true) => Outcome::Held(lock),
            Ok(_) => Outcome::Taken,
            Err(_) => Outcome::NoLocks,
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.0.release();
    }
}
