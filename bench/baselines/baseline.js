// Starts the baseline client that ?kind= names (naive or batched; batched by default). A file, not
// an inline script: the reference server's content security policy refuses inline scripts.
const kind = new URLSearchParams(location.search).get("kind") === "naive" ? "naive" : "batched";
document.title = `baseline: ${kind}`;
document.querySelector(".brand").textContent = `baseline: ${kind}`;
import(`./${kind}.js`);
