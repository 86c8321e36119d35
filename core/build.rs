//! `split_formats`: a release build for the browser made through scripts/env.sh puts each wire
//! format's code in a wasm module of its own, fetched when the format is first wanted (see
//! `protocol::ProtocolKind::load`). scripts/env.sh sets `WSCHAT_SPLIT_FORMATS` and puts
//! scripts/bin/wasm-bindgen, which does the split, first on PATH; a build without them (trunk
//! run by hand, the browser tests' debug builds) keeps one module.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WSCHAT_SPLIT_FORMATS");
    println!("cargo::rustc-check-cfg=cfg(split_formats)");
    let wasm = std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|family| family.split(',').any(|f| f == "wasm"));
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    if wasm && release && std::env::var("WSCHAT_SPLIT_FORMATS").as_deref() == Ok("1") {
        println!("cargo:rustc-cfg=split_formats");
    }
}
