// The Socket.IO tutorial's server in its last form (tests/peers/socketio-delivery.mjs): it
// keeps every message with an id and sends a client that connects all those after the
// `serverOffset` it gives. The page gives the last id it got, so a reconnect brings nothing
// twice; after a reload it gives the newest stored line's id, and nothing shows twice either.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io as socketIo } from "socket.io-client";
import { openApp, readyState, send, sharedBrowserAndApp, startProcess, timeout, untilStored } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

test("Socket.IO: the server's offsets are given back, across a reconnect and a reload: nothing twice", async (t) => {
  const server = await startProcess("node", ["tests/peers/socketio-delivery.mjs", "0"], /listening on (\S+)\n/);
  t.after(() => server.kill());
  const bob = socketIo(`http://${server.match[1]}`, { transports: ["websocket"] });
  t.after(() => bob.close());
  await new Promise((resolve) => bob.on("connect", resolve));
  let sent = 0;
  const say = (text) => new Promise((resolve) => bob.emit("chat message", `bob: ${text}`, `bob-${sent++}`, resolve));
  for (const text of ["one", "two", "three"]) await say(text);

  const { page, errors } = await openApp(shared.browser, `http://${shared.app.addr}/`, { nick: "ada", url: `ws://${server.match[1]}`, protocol: "socketio" });
  t.after(() => page.context().close());
  const line = (text) => page.locator('[data-testid="message"][data-nick="bob"]', { has: page.locator('[data-testid="message-text"]', { hasText: new RegExp(`^${text}$`) }) });
  const once = async (what) => {
    for (const text of ["one", "two", "three"]) assert.equal(await line(text).count(), 1, `"${text}" once ${what}`);
  };
  // All three, sent on connecting (no offset given yet).
  await line("three").waitFor({ timeout });
  await send(page, "/reconnect");
  await page.getByText("Socket.IO connected.").nth(1).waitFor({ timeout, state: "attached" });
  await say("after the reconnect");
  await line("after the reconnect").waitFor({ timeout });
  await once("after the reconnect");
  assert.match(server.output(), /serverOffset 3\n/, "the last id given back");

  await untilStored(page, "three");
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  // Said now, it comes live or in what the server sends on connecting: after the rest either way.
  await say("after the reload");
  await line("after the reload").waitFor({ timeout });
  await once("after the reload");
  assert.equal(await line("after the reconnect").count(), 1);
  assert.match(server.output(), /serverOffset 4\n/, "after the reload, the newest stored line's id");
  assert.doesNotMatch(server.output().split("serverOffset 3")[1], /serverOffset none/);
  assert.deepEqual(errors, []);
});
