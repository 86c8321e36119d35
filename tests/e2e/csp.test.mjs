// End to end: the release build under the reference server's content security policy, in headless
// Chromium. The policy comes with the page, its scripts and its wasm; nothing is refused; a chat
// message goes out and comes back. And when the app's code cannot load, the static shell says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readyState, send, sharedBrowser, timeout } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
assert.ok(appUrl, "WSCHAT_APP_URL must point at the release build served by the reference server");
const shared = sharedBrowser();

// The policy README.md gives to people hosting the build; server/src/lib.rs sends it.
const policy =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

/** Page init script: keeps every policy violation the page reports. */
const recordViolations = () => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.__violations.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"}`),
  );
};

/** A fresh page that records violations, console errors and page errors. */
async function watchedPage(t) {
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.addInitScript(recordViolations);
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}

test("the release build runs under the server's content security policy and chats", async (t) => {
  const { page, problems } = await watchedPage(t);
  const responses = [];
  page.on("response", (r) => responses.push(r));
  const room = `csp-${Date.now()}`;
  await page.goto(`${appUrl}?nick=casey&url=${encodeURIComponent(`/ws?room=${room}`)}`);
  await readyState(page, "open").waitFor({ timeout });

  // The page, the loader, wasm-bindgen's module and the wasm all carry the headers.
  const kinds = { page: (p) => p === "/", loader: (p) => p === "/loader.js", module: (p) => /\/wschat-app-[^/]*\.js$/.test(p), wasm: (p) => p.endsWith(".wasm") };
  for (const [kind, matches] of Object.entries(kinds)) {
    const response = responses.find((r) => matches(new URL(r.url()).pathname));
    assert.ok(response, `a response for the ${kind} (${responses.map((r) => r.url()).join(", ")})`);
    const headers = await response.allHeaders();
    assert.equal(headers["content-security-policy"], policy, `${kind}: ${response.url()}`);
    assert.equal(headers["x-content-type-options"], "nosniff", `${kind}: ${response.url()}`);
  }
  assert.equal(await page.locator("#shell").count(), 0, "the app replaced the static shell");

  // Each digest the page names is that of the bytes served: the hook that minifies and
  // renames files after trunk must renew them (a stale one and the browser refuses the file,
  // or a preload of it, without a word in the console).
  const stale = await page.evaluate(async () => {
    const wrong = [];
    for (const link of document.querySelectorAll("link[integrity]")) {
      const integrity = link.getAttribute("integrity");
      const cut = integrity.indexOf("-");
      const algorithm = integrity.slice(0, cut).replace(/^sha/, "SHA-");
      const bytes = await (await fetch(link.href, { cache: "no-store" })).arrayBuffer();
      const digest = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest(algorithm, bytes))));
      if (digest !== integrity.slice(cut + 1)) wrong.push(link.getAttribute("href"));
    }
    return wrong;
  });
  assert.deepEqual(stale, [], "files whose digest in the page is not theirs");

  await send(page, "hello under a strict policy");
  await page
    .locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "hello under a strict policy" })
    .waitFor({ timeout });

  assert.deepEqual(await page.evaluate(() => window.__violations), [], "no policy violations");
  assert.deepEqual(problems, [], "no console errors or page errors");

  // The policy is enforced and its violations are seen: an inline style attribute is refused.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>'));
  await page.waitForFunction(() => window.__violations.length > 0, null, { timeout });
  assert.match((await page.evaluate(() => window.__violations))[0], /^style-src-attr refused inline$/);
});

/** Loads the app with requests for `pattern` failing, and returns what the shell says. */
async function shellWhenBlocked(t, pattern) {
  const { page } = await watchedPage(t);
  await page.route(pattern, (route) => route.abort("failed"));
  await page.goto(`${appUrl}?connect=0`);
  const failed = page.locator('[data-testid="shell-status"][data-failed="true"]');
  await failed.waitFor({ timeout });
  return failed.textContent();
}

test("when the wasm cannot load, the shell says so instead of Connecting…", async (t) => {
  const text = await shellWhenBlocked(t, "**/*.wasm");
  assert.match(text, /^wschat could not start: its WebAssembly could not be loaded \(.+\)\. Reload the page to try again\.$/);
});

test("when wasm-bindgen's module cannot load, the shell says so too", async (t) => {
  const text = await shellWhenBlocked(t, /\/wschat-app-[^/]*\.js$/);
  assert.match(text, /^wschat could not start: its code could not be loaded \(.+\)\. Reload the page to try again\.$/);
});
