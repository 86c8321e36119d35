//! The fold toggle of a run of system entries: all but the newest can be hidden. Its state (open
//! or folded, how many it hides) is kept here, not read back from the DOM, so it outlives its
//! element when the run's block leaves the document.

use web_sys::{Document, Element};

use crate::ui::dom::{child, element, set};

/// The toggle above the first row of a run.
pub(super) struct Fold {
    run: u64,
    /// The toggle's element and its button, while the run's first row is drawn.
    view: Option<(Element, Element)>,
    /// How many earlier entries of the run it hides when folded.
    hidden: usize,
    open: bool,
}

impl Fold {
    /// A toggle for run `run`, open (runs start open: a notice someone is waiting for must not
    /// be hidden unasked), not drawn yet.
    pub(super) fn new(run: u64) -> Self {
        Fold { run, view: None, hidden: 0, open: true }
    }

    /// Its element, made if it is not drawn.
    pub(super) fn draw(&mut self, document: &Document) -> &Element {
        if self.view.is_none() {
            let el = element(document, "div");
            el.set_class_name("fold");
            let button = child(document, &el, "button", "small secondary");
            set(&button, "type", "button");
            set(&button, "data-action", "fold");
            set(&button, "data-run", &self.run.to_string());
            self.view = Some((el, button));
            self.label();
        }
        let (el, _) = self.view.as_ref().unwrap_or_else(|| unreachable!("drawn above"));
        el
    }

    /// Its element, while drawn.
    pub(super) fn el(&self) -> Option<&Element> {
        self.view.as_ref().map(|(el, _)| el)
    }

    /// Forgets its element (its block left the document, emptied).
    pub(super) fn undraw(&mut self) {
        self.view = None;
    }

    /// Takes its element out of the document and forgets it.
    pub(super) fn remove(&mut self) {
        if let Some((el, _)) = self.view.take() {
            el.remove();
        }
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
        self.label();
        self.open
    }

    fn label(&self) {
        let Some((el, button)) = &self.view else { return };
        // Written for tests and styles to read; never read back.
        set(el, "data-count", &self.hidden.to_string());
        set(button, "aria-expanded", if self.open { "true" } else { "false" });
        let verb = if self.open { "Hide" } else { "Show" };
        button.set_text_content(Some(&format!("{verb} {} earlier system events", self.hidden)));
    }
}
