//! Small DOM helpers shared by the views that build plain DOM (rows, blocks, the inspector).

use web_sys::{Document, Element};

/// An element; the tag names are literals.
pub fn element(document: &Document, tag: &str) -> Element {
    // createElement fails only for invalid tag names; ours are literals.
    document.create_element(tag).unwrap_or_else(|_| unreachable!("valid tag name {tag}"))
}

/// An element with a class.
pub fn element_with_class(document: &Document, tag: &str, class: &str) -> Element {
    let el = element(document, tag);
    el.set_class_name(class);
    el
}

/// An element with a class, appended to `parent`.
pub fn child(document: &Document, parent: &Element, tag: &str, class: &str) -> Element {
    let el = element_with_class(document, tag, class);
    let _ = parent.append_child(&el);
    el
}

/// Sets an attribute; the names are literals.
pub fn set(el: &Element, name: &str, value: &str) {
    // setAttribute fails only for invalid attribute names; ours are literals.
    let _ = el.set_attribute(name, value);
}
