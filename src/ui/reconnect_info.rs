//! The pending reconnect: which attempt, the delay counting down, and a button to skip it.

use leptos::prelude::*;

use crate::session::ChatSession;
use crate::timer::Interval;

/// How often the countdown is redrawn while a reconnect waits.
const COUNTDOWN_TICK_MS: f64 = 250.0;

#[component]
pub fn ReconnectInfo(session: ChatSession) -> impl IntoView {
    let now = RwSignal::new(js_sys::Date::now());
    // The ticker exists only while a reconnect is scheduled, and is freed with the component.
    let ticker: StoredValue<Option<Interval>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let waiting = session.reconnect.with(|r| r.is_some());
        ticker.update_value(|t| match (waiting, t.is_some()) {
            (true, false) => *t = Some(Interval::new(COUNTDOWN_TICK_MS, move || now.set(js_sys::Date::now()))),
            (false, true) => *t = None,
            _ => {}
        });
    });
    on_cleanup(move || {
        ticker.try_set_value(None);
    });
    move || {
        session.reconnect.get().map(|scheduled| {
            let remaining = move || {
                let left = ((scheduled.due_at_ms - now.get()).max(0.0) / 1000.0).round() as u64;
                format!("Reconnecting in {left} s (attempt {})", scheduled.attempt)
            };
            view! {
                <div
                    class="reconnect"
                    data-testid="reconnect-info"
                    data-attempt=scheduled.attempt.to_string()
                    data-delay-ms=(scheduled.delay_ms as u64).to_string()
                    role="status"
                >
                    <span>{remaining}</span>
                    <button type="button" data-testid="reconnect-now-button" on:click=move |_| session.reconnect_now()>
                        "Reconnect now"
                    </button>
                </div>
            }
        })
    }
}
