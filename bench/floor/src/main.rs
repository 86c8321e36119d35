//! The smallest Leptos app worth the name: one signal, one button. Its size is the floor under
//! any Leptos client's, wschat's included.

use leptos::prelude::*;

fn main() {
    mount_to_body(|| {
        let count = RwSignal::new(0);
        view! { <button on:click=move |_| count.update(|n| *n += 1)>{move || count.get()}</button> }
    });
}
