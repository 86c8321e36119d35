//! What the wasm heap holds, for `bench/memory.mjs`: live and peak bytes, and which part of the app
//! ran when the peak was reached. Only with the `heap-probe` feature; without it, nothing is
//! counted and [`enter`] costs nothing.

/// The parts of the app a peak is put down to (the bench prints their names).
#[derive(Clone, Copy)]
pub enum Phase {
    /// The socket's inbox handing messages into wasm.
    Drain = 1,
    /// Decoded events applied to the conversations.
    Flush,
    /// New lines handed to the store.
    Archive,
    /// The message list's rows brought in line with the log.
    Rows,
    /// Blocks of rows put in and out of the document.
    Window,
}

/// The phase entered, until this is dropped (then the one before it again).
pub struct Entered(#[cfg(feature = "heap-probe")] usize);

#[cfg(not(feature = "heap-probe"))]
pub fn enter(_: Phase) -> Entered {
    Entered()
}

#[cfg(feature = "heap-probe")]
pub use counting::enter;

#[cfg(feature = "heap-probe")]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    use wasm_bindgen::prelude::wasm_bindgen;

    use super::{Entered, Phase};

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);
    static PHASE: AtomicUsize = AtomicUsize::new(0);
    static PEAK_PHASE: AtomicUsize = AtomicUsize::new(0);

    pub fn enter(phase: Phase) -> Entered {
        Entered(PHASE.swap(phase as usize, Relaxed))
    }

    impl Drop for Entered {
        fn drop(&mut self) {
            PHASE.store(self.0, Relaxed);
        }
    }

    fn grown(bytes: usize) {
        let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
        if live > PEAK.load(Relaxed) {
            PEAK.store(live, Relaxed);
            PEAK_PHASE.store(PHASE.load(Relaxed), Relaxed);
        }
    }

    struct Counting;

    // SAFETY: every call goes to the system allocator as it came; only sizes are counted.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let at = unsafe { System.alloc(layout) };
            if !at.is_null() {
                grown(layout.size());
            }
            at
        }

        unsafe fn dealloc(&self, at: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            unsafe { System.dealloc(at, layout) }
        }

        unsafe fn realloc(&self, at: *mut u8, layout: Layout, size: usize) -> *mut u8 {
            let moved = unsafe { System.realloc(at, layout, size) };
            if !moved.is_null() {
                // Counted as a move, which holds both blocks at once (one grown in place does not).
                grown(size);
                LIVE.fetch_sub(layout.size(), Relaxed);
            }
            moved
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    // Read from the module's own exports (bench/memory.mjs), as plain numbers.

    /// Bytes allocated now.
    #[wasm_bindgen]
    pub fn heap_live() -> u32 {
        LIVE.load(Relaxed) as u32
    }

    /// The most bytes ever allocated at once.
    #[wasm_bindgen]
    pub fn heap_peak() -> u32 {
        PEAK.load(Relaxed) as u32
    }

    /// The [`Phase`] the app was in when the peak was reached (0: none of them).
    #[wasm_bindgen]
    pub fn heap_peak_phase() -> u32 {
        PEAK_PHASE.load(Relaxed) as u32
    }
}
