//! Times on rows: the minute shown, the day for separators, the full date on hover.

use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::ui::dom::set;

/// HH:MM in the person's local time and the local day (yyyymmdd). Messages come in bursts
/// within one minute: the answer for the last minute asked is kept, so most rows make no Date.
pub(super) fn clock(ms: f64) -> (String, i32) {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String, i32)> = const { std::cell::RefCell::new((i64::MIN, String::new(), 0)) };
    }
    let minute = (ms / 60_000.0).floor() as i64;
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != minute {
            let date = js_sys::Date::new(&ms.into());
            let day = date.get_full_year() as i32 * 10_000 + date.get_month() as i32 * 100 + date.get_date() as i32;
            *last = (minute, format!("{:02}:{:02}", date.get_hours(), date.get_minutes()), day);
        }
        (last.1.clone(), last.2)
    })
}

/// "Saturday, 21 November 2026" in the person's locale; ISO "2026-11-21" if the browser
/// cannot format it.
pub(super) fn day_label(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    let options = js_sys::Object::new();
    for (key, value) in [("weekday", "long"), ("year", "numeric"), ("month", "long"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    // Called through Reflect with an undefined locale (the person's own); js-sys's binding wants
    // a locale string and would trap on a RangeError.
    js_sys::Reflect::get(&date, &"toLocaleDateString".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call2(&date, &wasm_bindgen::JsValue::UNDEFINED, &options).ok())
        .and_then(|label| label.as_string())
        .unwrap_or_else(|| format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date()))
}

/// Puts the full date and time on a row's time label the first time the pointer reaches it.
pub fn describe_time(target: &Element) {
    if target.tag_name() != "TIME" || target.has_attribute("title") {
        return;
    }
    let ms = target.parent_element().and_then(|row| row.get_attribute("data-ms"));
    if let Some(ms) = ms.and_then(|ms| ms.parse::<i64>().ok()) {
        let full = js_sys::Date::new(&(ms as f64).into()).to_string();
        set(target, "title", &String::from(full));
    }
}
