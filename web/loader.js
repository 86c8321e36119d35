// Starts wschat: imports wasm-bindgen's module and instantiates the wasm named on this script's
// tag (Trunk.toml's pattern_script). Trunk's own loader is an inline script, which the content
// security policy refuses; this file is the same loader, loaded from the app's origin. When it
// fails, the static shell says why instead of "Connecting…".
const tag = document.querySelector("script[data-wasm]");

function say(text) {
  const status = document.getElementById("shell-status");
  if (!status) return;
  status.textContent = text;
  status.setAttribute("data-failed", "true");
}

let stage = "its code could not be loaded";
try {
  const { default: init } = await import(tag.dataset.js);
  stage = "its WebAssembly could not be loaded";
  await init({ module_or_path: tag.dataset.wasm });
} catch (error) {
  const detail = error && error.message ? ` (${error.message})` : "";
  say(`wschat could not start: ${stage}${detail}. Reload the page to try again.`);
  console.error("wschat could not start:", error);
}
