// The release build in Firefox (Debian's firefox-esr through geckodriver, as the browser tests
// run it): the other end-to-end tests drive Chromium with playwright, which has no driver for
// a stock Firefox. What only the release build does is checked here: the wasm modules fetched
// when wanted (a wire format's, a view's) load and link in Firefox too, and a line goes out
// and comes back. Plain WebDriver over HTTP, no client library.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { root, startProcess, timeout } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
assert.ok(appUrl, "WSCHAT_APP_URL must point at the served release build");

/** The key of an element reference in WebDriver's answers. */
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** A WebDriver session of geckodriver at `base`: `call(method, path, body)` on it. */
async function session(base) {
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A browser that never answers fails the test rather than hanging it.
      signal: AbortSignal.timeout(timeout * 2),
    });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
    return value;
  };
  const options = JSON.parse(readFileSync(`${root}/tests/webdriver/firefox.json`, "utf8"));
  const { sessionId } = await call("POST", "/session", { capabilities: { alwaysMatch: { browserName: "firefox", ...options } } });
  const at = (path) => `/session/${sessionId}${path}`;
  return {
    go: (url) => call("POST", at("/url"), { url }),
    run: (script, ...args) => call("POST", at("/execute/sync"), { script, args }),
    element: async (css) => (await call("POST", at("/element"), { using: "css selector", value: css }))[ELEMENT],
    type: (element, text) => call("POST", at(`/element/${element}/value`), { text }),
    click: (element) => call("POST", at(`/element/${element}/click`), {}),
    end: () => call("DELETE", at("")),
  };
}

/** Waits until `css` matches an element in the page (read each 50 ms, as WebDriver has no events). */
async function until(browser, css) {
  const end = Date.now() + timeout;
  while (!(await browser.run("return document.querySelector(arguments[0]) !== null", css))) {
    if (Date.now() > end) throw new Error(`no ${css} after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("Firefox: the release build fetches a format's and a view's module, and a line is delivered", async (t) => {
  const driver = await startProcess("geckodriver", ["--port", "0"], /Listening on (\S+)\n/);
  let browser = null;
  // The browser's session ended before its driver goes; the driver's whole process group
  // goes, so that no Firefox is left behind whatever failed.
  t.after(async () => {
    await browser?.end().catch(() => {});
    await driver.killHard();
  });
  browser = await session(`http://${driver.match[1]}`);
  const room = `firefox-${Date.now()}`;
  await browser.go(`${appUrl}?${new URLSearchParams({ nick: "fox", url: `/ws?room=${room}`, protocol: "text" })}`);
  await until(browser, '[data-testid="connection-status"][data-ready-state="open"]');
  await browser.type(await browser.element('[data-testid="composer-input"]'), "from Firefox\uE007");
  await until(browser, '[data-testid="message"][data-kind="own"][data-status="delivered"]');
  const text = await browser.run(
    'return document.querySelector(\'[data-testid="message"][data-kind="own"] [data-testid="message-text"]\').textContent',
  );
  assert.equal(text, "from Firefox");
  // A view in a module of its own: fetched, linked and shown.
  await browser.click(await browser.element('[data-testid="inspector-toggle"]'));
  await until(browser, '[data-testid="inspector-frame"][data-direction="out"]');
  const fetched = await browser.run(
    "return performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.startsWith('split_'))",
  );
  assert.ok(fetched.some((name) => name.startsWith("split_text-")), `plain text's module: ${fetched}`);
  assert.ok(fetched.some((name) => name.startsWith("split_view_inspector-")), `the inspector's module: ${fetched}`);
  assert.equal(await browser.run("return document.getElementById('shell-status')?.dataset.failed ?? null"), null);
});
