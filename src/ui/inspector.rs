//! The frame inspector: every frame in and out and every socket event of the shown connection,
//! with a filter, three payload views, export as JSON Lines and clear.
//!
//! Rows are plain DOM appended as records arrive (at most once per animation frame, when the
//! session says the record changed), so a busy chat costs the panel only the new records.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};
use wschat_core::chat::human_size;
use wschat_core::inspector::{Record, View};
use wschat_core::unicode::lowercase;

use super::dom::{element_with_class, set};
use crate::session::ChatSession;

/// Rows shown at most: the record's default cap (`DEFAULT_INSPECTOR_CAP`), which a filter
/// looks through.
const SHOWN_ROWS: usize = 500;

/// What is on screen: the view and filter it was drawn with, and the newest record id drawn.
#[derive(Default)]
struct Drawn {
    view: Option<View>,
    filter: String,
    last_id: u64,
    rows: std::collections::VecDeque<Element>,
}

#[component]
pub fn Inspector(session: ChatSession) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let view = RwSignal::new(View::Text);
    let list = NodeRef::<html::Ol>::new();
    let drawn: StoredValue<Drawn, LocalStorage> = StoredValue::new_local(Drawn::default());
    let counts = RwSignal::new((0usize, 0u64));

    Effect::new(move |_| {
        session.frames_changed.track();
        let (view, filter) = (view.get(), lowercase(filter.get().trim()));
        let Some(list) = list.get() else { return };
        let Some(document) = list.owner_document() else { return };
        // Follow new frames only while the person is at the end, as the message list does.
        let at_end = list.scroll_height() - list.scroll_top() - list.client_height() <= 40;
        session.frames.with_value(|frames| {
            drawn.update_value(|d| {
                let newest = frames.records().next_back().map_or(0, |r| r.id);
                // A new view or filter, or a cleared record: draw again from the record.
                if d.view != Some(view) || d.filter != filter || newest < d.last_id {
                    list.set_text_content(None);
                    d.rows.clear();
                    d.view = Some(view);
                    d.filter = filter.clone();
                    d.last_id = 0;
                }
                let fresh: Vec<&Record> = frames
                    .records()
                    .rev()
                    .take_while(|r| r.id > d.last_id)
                    .filter(|r| r.matches(&filter))
                    .take(SHOWN_ROWS)
                    .collect();
                for record in fresh.into_iter().rev() {
                    let row = render_record(&document, record, view);
                    let _ = list.append_child(&row);
                    d.rows.push_back(row);
                }
                while d.rows.len() > SHOWN_ROWS {
                    if let Some(old) = d.rows.pop_front() {
                        old.remove();
                    }
                }
                d.last_id = newest;
                counts.set((frames.records().len(), frames.total()));
            });
        });
        if at_end {
            list.set_scroll_top(list.scroll_height());
        }
    });

    // Loaded by a Try again, whose button went with the error, the panel takes the focus,
    // unless the person put it somewhere meanwhile; opened from its button, or made again
    // with its tab, it leaves the focus where it is.
    let filter_field = NodeRef::<html::Input>::new();
    let take_focus = use_context::<super::lazy::TakeFocus>().is_some();
    Effect::new(move |_| {
        let Some(field) = filter_field.get().filter(|_| take_focus) else { return };
        let document = field.owner_document();
        let active = document.as_ref().and_then(Document::active_element);
        let body = document.as_ref().and_then(Document::body).map(Element::from);
        if active.is_none() || active == body {
            let _ = field.focus();
        }
    });

    let export = move |_| {
        let text = session.frames.with_value(|f| f.export(&filter.get_untracked()));
        download("wschat-frames.jsonl", &text);
    };
    view! {
        <section class="inspector" data-testid="inspector" aria-label="Frame inspector">
            <div class="inspector-tools">
                <h2>"Frames"</h2>
                <label>
                    <span class="visually-hidden">"Filter frames"</span>
                    <input
                        type="search"
                        node_ref=filter_field
                        data-testid="inspector-filter"
                        placeholder="filter: text, in, out, event, binary"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span class="visually-hidden">"Show payloads as"</span>
                    <select
                        data-testid="inspector-view"
                        on:change=move |ev| {
                            view.set(match event_target_value(&ev).as_str() {
                                "json" => View::PrettyJson,
                                "hex" => View::Hex,
                                _ => View::Text,
                            })
                        }
                    >
                        <option value="text">"text"</option>
                        <option value="json">"pretty JSON"</option>
                        <option value="hex">"hex"</option>
                    </select>
                </label>
                <button type="button" class="small secondary" data-testid="inspector-export" on:click=export>
                    "Export JSONL"
                </button>
                <button type="button" class="small secondary" data-testid="inspector-clear" on:click=move |_| session.clear_frames()>
                    "Clear"
                </button>
                <span class="inspector-count" data-testid="inspector-count">
                    {move || {
                        let (kept, total) = counts.get();
                        format!("{kept} kept of {total}")
                    }}
                </span>
            </div>
            <ol node_ref=list class="frames" aria-label="Frames" tabindex="0"></ol>
        </section>
    }
}

fn render_record(document: &Document, record: &Record, view: View) -> Element {
    let row = element_with_class(document, "li", "frame");
    set(&row, "data-testid", "inspector-frame");
    set(&row, "data-direction", record.direction.as_str());
    set(&row, "data-kind", record.kind());
    set(&row, "data-size", &record.size.to_string());
    let head = element_with_class(document, "div", "frame-head");
    let time = js_sys::Date::new(&record.time_ms.into());
    let label = format!(
        "{} {:02}:{:02}:{:02}.{:03} {} {}",
        record.direction.arrow(),
        time.get_hours(),
        time.get_minutes(),
        time.get_seconds(),
        time.get_milliseconds(),
        record.kind(),
        if record.direction.as_str() == "event" { String::new() } else { human_size(record.size) },
    );
    head.set_text_content(Some(&label));
    let _ = row.append_child(&head);
    let payload = element_with_class(document, "pre", "frame-payload");
    set(&payload, "data-testid", "inspector-payload");
    payload.set_text_content(Some(&record.render(view)));
    let _ = row.append_child(&payload);
    row
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = document.create_element("a").map(JsCast::unchecked_into::<web_sys::HtmlAnchorElement>) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The browser reads the blob after this returns: free the previous export's instead.
    thread_local! {
        static LAST_EXPORT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(previous) = LAST_EXPORT.with(|last| last.replace(Some(url))) {
        let _ = web_sys::Url::revoke_object_url(&previous);
    }
}
