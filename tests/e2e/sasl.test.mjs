// IRC SASL PLAIN: `login` in the address, the password typed into `password-input`, logged in
// before registration ends; a wrong password explained in `error` while the chat goes on; the
// password in neither storage, the link nor the address. Against a small SASL-speaking IRC
// server (tests/peers/irc-sasl.mjs): Debian's InspIRCd needs a services package linked to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertSecretHidden, holdRoute, launchChromium, readyState, sentFrames, sharedBrowserAndApp, startProcess, timeout } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

async function loginPage(t, password) {
  const peer = await startProcess("node", ["tests/peers/irc-sasl.mjs", "ada:sesame"], /listening on (\S+)\n/);
  t.after(() => peer.kill());
  const context = await shared.browser.newContext({ acceptDownloads: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `ws://${peer.match[1]}/`;
  const query = new URLSearchParams({ protocol: "irc", nick: "ada", login: "ada", connect: "0", url });
  await page.goto(`http://${shared.app.addr}/?${query}`);
  await page.getByTestId("password-input").fill(password);
  await page.getByTestId("connect-button").click();
  await readyState(page, "open").waitFor({ timeout });
  return { page, peer, errors };
}

test("logs in with the typed password, which is kept nowhere", async (t) => {
  const { page, peer, errors } = await loginPage(t, "sesame");
  await page.getByText("Logged in as ada.").waitFor({ timeout });
  await page.getByText("Ready to chat.").waitFor({ timeout });
  assert.match(peer.output(), /login ada accepted/);
  const error = page.getByTestId("error");
  assert.equal((await error.count()) ? (await error.textContent()).trim() : "", "", "no error");
  const kept = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
  assert.ok(!kept.includes("sesame"), "not in storage");
  assert.ok(!(await page.getByTestId("permalink").getAttribute("href")).includes("sesame"), "not in the link");
  assert.ok((await page.getByTestId("permalink").getAttribute("href")).includes("login=ada"));
  assert.ok(!page.url().includes("sesame"));
  const blob = Buffer.from("ada\0ada\0sesame").toString("base64");
  const exported = await assertSecretHidden(page, "sesame", [blob]);
  const authenticate = sentFrames(exported).filter((frame) => frame.text?.startsWith("AUTHENTICATE"));
  assert.deepEqual(authenticate.map((frame) => frame.text), ["AUTHENTICATE PLAIN", "AUTHENTICATE ********"]);
  assert.deepEqual(errors, []);
});

test("a password for a ws:// server on another machine waits for the person's yes", async (t) => {
  const peer = await startProcess("node", ["tests/peers/irc-sasl.mjs", "ada:sesame"], /listening on (\S+)\n/);
  t.after(() => peer.kill());
  // A host name that is not loopback, mapped to it: the page sees another machine.
  const browser = await launchChromium(["--host-resolver-rules=MAP chat.example.test 127.0.0.1"]);
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `ws://chat.example.test:${peer.match[1].split(":")[1]}/`;
  const query = new URLSearchParams({ protocol: "irc", nick: "ada", login: "ada", connect: "0", url });
  await page.goto(`http://${shared.app.addr}/?${query}`);
  await page.getByTestId("password-input").fill("sesame");
  await page.getByTestId("connect-button").click();
  await page.getByTestId("error").filter({ hasText: "unencrypted" }).waitFor({ timeout });
  assert.match(await page.getByTestId("error").textContent(), /chat\.example\.test.*wss:\/\//);
  assert.equal(await readyState(page, "closed").count(), 1, "no socket was opened");
  assert.doesNotMatch(peer.output(), /login/, "the server heard nothing");
  await page.getByTestId("send-password-anyway-button").click();
  await page.getByText("Logged in as ada.").waitFor({ timeout });
  assert.match(peer.output(), /login ada accepted/);
  assert.deepEqual(errors, []);
});

test("a wrong password is explained, and the chat goes on without the account", async (t) => {
  const { page, peer, errors } = await loginPage(t, "wrong");
  await page.getByTestId("error").filter({ hasText: "refused the login as ada" }).waitFor({ timeout });
  assert.match(await page.getByTestId("error").textContent(), /check the login and the password/);
  await page.getByText("Ready to chat.").waitFor({ timeout });
  assert.match(peer.output(), /login ada refused/);
  assert.deepEqual(errors, []);
});

test("an opening held for its format's code does not go on once a password waits for the person's yes", async (t) => {
  const peer = await startProcess("node", ["tests/peers/irc-sasl.mjs", "ada:sesame"], /listening on (\S+)\n/);
  t.after(() => peer.kill());
  const browser = await launchChromium(["--host-resolver-rules=MAP chat.example.test 127.0.0.1"]);
  t.after(() => browser.close());
  // No service worker: the module's fetch must reach the route that holds it.
  const page = await (await browser.newContext({ serviceWorkers: "block" })).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  // Counted in the page, as they are made; and when IRC's module is linked, which is when an
  // opening waiting for it goes on (or not).
  await page.addInitScript(() => {
    window.socketsMade = 0;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.socketsMade++;
      }
    };
    const instantiate = WebAssembly.instantiateStreaming;
    window.ircLinked = new Promise((resolve) => {
      WebAssembly.instantiateStreaming = async (source, imports) => {
        const result = await instantiate.call(WebAssembly, source, imports);
        if (/split_irc-/.test((await source).url)) resolve();
        return result;
      };
    });
  });
  const { asked, release } = await holdRoute(page, "**/split_irc-*.wasm");
  const url = `ws://chat.example.test:${peer.match[1].split(":")[1]}/`;
  const query = new URLSearchParams({ protocol: "irc", nick: "ada", login: "ada", connect: "0", url });
  await page.goto(`http://${shared.app.addr}/?${query}`);
  // Connect with no password: nothing to ask, and the opening waits for IRC's code.
  await page.getByTestId("connect-button").click();
  await asked;
  // The password typed meanwhile, and Connect again: the person is asked first.
  await page.getByTestId("password-input").fill("sesame");
  await page.getByTestId("connect-button").click();
  await page.getByTestId("error").filter({ hasText: "unencrypted" }).waitFor({ timeout });
  // The code comes, is linked, and what waited for it has run (a task after the link's
  // microtasks): the opening must not have gone on with the password now set.
  release();
  await page.evaluate(async () => {
    await window.ircLinked;
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  assert.equal(await page.evaluate(() => window.socketsMade), 0, "no socket before the person's yes");
  assert.doesNotMatch(peer.output(), /login/, "the server heard nothing");
  await page.getByTestId("send-password-anyway-button").click();
  await page.getByText("Logged in as ada.").waitFor({ timeout });
  await page.getByText("Ready to chat.").waitFor({ timeout });
  assert.equal(await page.evaluate(() => window.socketsMade), 1, "one socket, after the yes");
  assert.equal(peer.output().match(/login ada accepted/g)?.length, 1);
  assert.deepEqual(errors, []);
});
