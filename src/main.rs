//! Entry point of the wasm app: replaces the static shell of index.html with [`wschat::App`].

fn main() {
    let shell = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("shell"));
    if let Some(shell) = shell {
        shell.remove();
    }
    leptos::mount::mount_to_body(wschat::App);
}
