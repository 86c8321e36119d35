//! Loading a format's code: in a release build for the browser (`split_formats`, core/build.rs)
//! each format's constructor sits behind a split point of its own, in a wasm module fetched the
//! first time the format is wanted; everywhere else every format is at hand.

use std::fmt;

use super::{FormatSettings, ProtocolKind, WireFormat};

/// A format's constructor.
pub type MakeFormat = fn(&FormatSettings) -> Box<dyn WireFormat>;

/// A format whose module could not be fetched (offline before it was ever loaded), or that was
/// asked for before [`ProtocolKind::load`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatNotLoaded(pub ProtocolKind);

impl fmt::Display for FormatNotLoaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wschat could not load its code for {}", self.0.label())
    }
}

/// A split point's module that could not be fetched: a format's here, and a view's in the app
/// (src/ui/lazy.rs).
#[cfg(split_formats)]
#[derive(Debug)]
pub struct SplitLoadFailed;

#[cfg(split_formats)]
impl From<wasm_split_helpers::SplitLoaderError> for SplitLoadFailed {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        SplitLoadFailed
    }
}

/// The constructors loaded so far, by [`ProtocolKind`] index.
#[cfg(split_formats)]
static LOADED: [std::sync::OnceLock<MakeFormat>; ProtocolKind::ALL.len()] =
    [const { std::sync::OnceLock::new() }; ProtocolKind::ALL.len()];

impl ProtocolKind {
    /// Makes this format's code ready for [`ProtocolKind::new_format`] (with a format that finds
    /// the format, every format's). Only a release build for the browser has anything to fetch;
    /// a load that failed is tried again by the next call.
    pub async fn load(self) -> Result<(), FormatNotLoaded> {
        #[cfg(split_formats)]
        for kind in self.needs() {
            if kind.maker().is_none() {
                let maker = kind.load_maker().await?;
                let _ = LOADED[kind as usize].set(maker);
            }
        }
        Ok(())
    }

    /// Whether [`ProtocolKind::load`] has nothing left to do.
    pub fn is_loaded(self) -> bool {
        self.needs().all(|kind| kind.maker().is_some())
    }

    /// The formats whose code this one needs: itself, and every one for a format that finds
    /// the format.
    pub fn needs(self) -> impl Iterator<Item = ProtocolKind> {
        ProtocolKind::ALL.into_iter().filter(move |kind| *kind == self || self.finds_format())
    }

    #[cfg(split_formats)]
    fn maker(self) -> Option<MakeFormat> {
        LOADED[self as usize].get().copied()
    }

    /// This format, for a connection with these settings; an error until [`ProtocolKind::load`]
    /// has made its code ready.
    pub fn new_format(self, settings: &FormatSettings) -> Result<Box<dyn WireFormat>, FormatNotLoaded> {
        self.maker().map(|make| make(settings)).ok_or(FormatNotLoaded(self))
    }
}
