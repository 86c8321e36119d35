//! The wasm shadow stack's size, per profile, and the split build's settings (below).
//!
//! The stack's size: the locals that need an address live there (the others on the engine's
//! own stack), and Rust's 1 MiB default is linear memory that is never given back. The release
//! build goes about 20 KB deep at most (JSON nested as deep as the parser takes, pretty-printed
//! in the inspector: tests/e2e/ui.test.mjs checks it stays under a quarter); a debug build (the
//! browser tests, `trunk serve`) about 100 KB. The stack is placed first in memory, so going
//! past it traps rather than writing over data.

/// Bytes of stack for the release build.
const RELEASE_STACK_BYTES: u32 = 131_072;
/// Bytes of stack for every other build.
const DEBUG_STACK_BYTES: u32 = 262_144;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WSCHAT_SPLIT_FORMATS");
    println!("cargo::rustc-check-cfg=cfg(split_views)");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        let release = std::env::var("PROFILE").as_deref() == Ok("release");
        let bytes = if release { RELEASE_STACK_BYTES } else { DEBUG_STACK_BYTES };
        println!("cargo:rustc-link-arg=-zstack-size={bytes}");
        // Relocations let scripts/bin/wasm-bindgen split the formats (core/build.rs) and the
        // rarely used views (`split_views`, src/ui/lazy.rs) into modules of their own.
        let browser = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("unknown");
        if release && browser && std::env::var("WSCHAT_SPLIT_FORMATS").as_deref() == Ok("1") {
            println!("cargo:rustc-link-arg=--emit-relocs");
            println!("cargo:rustc-cfg=split_views");
        }
    }
}
