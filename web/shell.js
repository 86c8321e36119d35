// The static shell's watch: when wschat has not replaced index.html's "Connecting…" after a while,
// or this browser cannot run it at all, the shell says so in words instead of waiting forever.
// A classic script in old syntax on purpose: it must run where the app's module cannot.
(function () {
  var limitSeconds = 30;
  function say(text) {
    var status = document.getElementById("shell-status");
    // The loader may already have said what went wrong; that is the better sentence.
    if (!status || status.getAttribute("data-failed") === "true") return;
    status.textContent = text;
    status.setAttribute("data-failed", "true");
  }
  if (!("noModule" in document.createElement("script")) || typeof WebAssembly !== "object") {
    say("wschat cannot run in this browser: it needs JavaScript modules and WebAssembly.");
    return;
  }
  setTimeout(function () {
    // The app removes the shell when it mounts.
    if (document.getElementById("shell")) {
      say(
        "wschat has not started after " + limitSeconds + " seconds: its code may still be downloading, or was " +
          "blocked (a content security policy, an extension, the network). Reload the page to try again."
      );
    }
  }, limitSeconds * 1000);
})();
