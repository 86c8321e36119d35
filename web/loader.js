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

// The modules of the format the page will most likely speak, fetched while the app loads rather
// than once it asks (a release build lists them: scripts/format-modules.mjs). A guess, as the app
// chooses: a link's `protocol` (a link with no `protocol` means plain text), else on a bare
// visit the format last used; another name the app takes for one (`socket.io`) is listed too.
function preloadFormat() {
  const formats = tag.dataset.formats;
  if (!formats) return;
  const modules = tag.dataset.modules.split(",");
  let remembered = null;
  try {
    remembered = new URLSearchParams(localStorage.getItem("wschat.settings") ?? "").get("protocol");
  } catch {
    // Storage refused (some private windows): the link or the default decides.
  }
  const query = new URLSearchParams(location.search);
  const linked = [...query.keys()].length > 0;
  const wanted = (query.get("protocol") || (linked ? "" : remembered) || "text").trim().toLowerCase();
  const entry = formats.split(";").find((e) => e.startsWith(`${wanted}:`));
  const base = new URL(tag.dataset.js, location.href);
  for (const index of entry ? entry.slice(wanted.length + 1).split(",") : []) {
    const name = modules[Number(index)];
    if (!name) continue;
    const link = document.createElement("link");
    link.rel = "preload";
    link.as = "fetch";
    link.crossOrigin = "anonymous";
    // After the app's own files, which the page preloads at high priority.
    link.fetchPriority = "low";
    link.href = new URL(name, base).href;
    document.head.append(link);
  }
}
preloadFormat();

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

// The app opens offline once loaded: the service worker keeps its files (web/sw.js). Also under
// `trunk serve`: each build's files have names of their own and the page comes from the network
// first, so a rebuilt page never runs the files of the build before.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch((error) => console.warn("wschat: no offline use:", error));
}

// A newer build on the server (the page names other files): offer to reload, never mix builds.
async function checkForNewVersion() {
  try {
    const page = await (await fetch(location.pathname, { cache: "no-store" })).text();
    // Parsed, not matched: the release page is minified (its attributes unquoted).
    const wasm = new DOMParser().parseFromString(page, "text/html").querySelector("script[data-wasm]")?.dataset.wasm;
    if (!wasm || wasm === tag.dataset.wasm || document.getElementById("new-version")) return;
    const note = document.createElement("div");
    note.id = "new-version";
    note.className = "new-version";
    note.setAttribute("role", "status");
    note.setAttribute("data-testid", "new-version");
    note.textContent = "A new version of wschat is ready. ";
    const reload = document.createElement("button");
    reload.type = "button";
    reload.textContent = "Reload";
    reload.addEventListener("click", () => location.reload());
    note.append(reload);
    document.body.append(note);
  } catch {
    // Offline: the version in hand is the one there is.
  }
}
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && checkForNewVersion());
setInterval(checkForNewVersion, 30 * 60 * 1000);
