//! The fold toggle of a run of system entries: all but the newest can be hidden. Its state (open
//! or folded, how many it hides) is kept here, not read back from the DOM.

use web_sys::{Document, Element};

use crate::ui::dom::{child, element, set};

/// The toggle above the first row of a run.
pub(super) struct Fold {
    /// The toggle's element, placed above the run's first row.
    pub(super) el: Element,
    button: Element,
    /// How many earlier entries of the run it hides when folded.
    hidden: usize,
    open: bool,
}

impl Fold {
    /// A toggle for run `run`, open (runs start open: a notice someone is waiting for must not
    /// be hidden unasked).
    pub(super) fn new(document: &Document, run: u64) -> Self {
        let el = element(document, "div");
        el.set_class_name("fold");
        let button = child(document, &el, "button", "small secondary");
        set(&button, "type", "button");
        set(&button, "data-action", "fold");
        set(&button, "data-run", &run.to_string());
        set(&button, "aria-expanded", "true");
        Fold { el, button, hidden: 0, open: true }
    }

    pub(super) fn is_open(&self) -> bool {
        self.open
    }

    pub(super) fn hidden(&self) -> usize {
        self.hidden
    }

    pub(super) fn set_hidden(&mut self, hidden: usize) {
        self.hidden = hidden;
        self.label();
    }

    /// Opens a folded run or folds an open one; returns whether it is open now.
    pub(super) fn toggle(&mut self) -> bool {
        self.open = !self.open;
        set(&self.button, "aria-expanded", if self.open { "true" } else { "false" });
        self.label();
        self.open
    }

    fn label(&self) {
        // Written for tests and styles to read; never read back.
        set(&self.el, "data-count", &self.hidden.to_string());
        let verb = if self.open { "Hide" } else { "Show" };
        self.button.set_text_content(Some(&format!("{verb} {} earlier system events", self.hidden)));
    }
}
