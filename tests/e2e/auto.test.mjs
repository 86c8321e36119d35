// `protocol=auto` against each kind of server the tests run: npm ws (which takes the first
// subprotocol offered and then answers in plain text: not fooled), Debian's Mosquitto (MQTT by
// its subprotocol, confirmed by its CONNACK), Debian's RabbitMQ (STOMP by `v12.stomp` and its
// CONNECTED), Debian's Prosody (XMPP by `xmpp` and its <open/>), Debian's InspIRCd (IRC by
// InspIRCd's own
// subprotocol), and Socket.IO at its endpoint (the Engine.IO open packet). The format found
// shows in the protocol menu and is remembered: the next visit speaks it at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import mqtt from "mqtt";
import { io as socketIo } from "socket.io-client";
import { entry, Inbox, openApp, send, sharedBrowserAndApp, startInspircd, startMosquitto, startProcess, startProsody, startRabbitmq, timeout } from "./helpers.mjs";

const shared = sharedBrowserAndApp();
const listening = /listening on (127\.0\.0\.1:\d+)/;

/** The page with `protocol=auto` at `url`, once the format it found shows in the menu. */
async function found(t, url, kind) {
  const { page, errors } = await openApp(shared.browser, `http://${shared.app.addr}/`, { protocol: "auto", url, nick: "wendy" });
  t.after(() => page.context().close());
  await page.waitForFunction(
    (kind) => document.querySelector('[data-testid="protocol-select"]')?.value === kind,
    kind,
    { timeout: 20_000 },
  );
  return { page, errors };
}

const delivered = (page) => page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').first().waitFor({ timeout });

test("auto: npm ws takes the first subprotocol offered, answers in plain text, and does not fool it; remembered", async (t) => {
  const server = await startProcess("node", ["tests/peers/ws-broadcast.mjs", "0"], listening);
  t.after(() => server.kill());
  const url = `ws://${server.match[1]}/`;
  const inbox = new Inbox();
  const otto = new WebSocket(url);
  otto.on("message", (data, binary) => binary || inbox.push(String(data)));
  await new Promise((resolve) => otto.once("open", resolve));
  t.after(() => otto.close());
  const { page, errors } = await found(t, url, "text");
  otto.send("otto: hello from otto");
  await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
  await send(page, "hello from wendy");
  await inbox.waitFor((m) => m === "wendy: hello from wendy", "wendy's message");
  await delivered(page);
  // The next visit speaks plain text at once, and says why.
  await page.reload();
  await page.getByText("found for this server on an earlier visit").first().waitFor({ timeout });
  assert.equal(await page.getByTestId("protocol-select").inputValue(), "text");
  assert.deepEqual(errors, []);
});

test("auto: Mosquitto is MQTT, by its subprotocol and its answer", async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.kill());
  const bob = mqtt.connect(broker.url, { protocolVersion: 4 });
  t.after(() => bob.endAsync(true));
  const inbox = new Inbox();
  bob.on("message", (_, payload) => inbox.push(String(payload)));
  await new Promise((resolve) => bob.once("connect", resolve));
  await bob.subscribeAsync("chat/lobby", { qos: 1 });
  const { page, errors } = await found(t, broker.url, "mqtt");
  await page.locator('[data-testid="conversation"][data-name="chat/lobby"]:not(.parted)').waitFor({ timeout });
  await send(page, "hello over mqtt");
  await inbox.waitFor((m) => m.includes("hello over mqtt"), "wendy's message");
  await delivered(page);
  assert.deepEqual(errors, []);
});

test("auto: RabbitMQ is STOMP, by its subprotocol and its CONNECTED", async (t) => {
  const broker = await startRabbitmq();
  t.after(() => broker.kill());
  const { page, errors } = await found(t, broker.url, "stomp");
  await page.locator('[data-testid="conversation"][data-name="/topic/chat"]:not(.parted)').waitFor({ timeout });
  await send(page, "hello over stomp");
  await delivered(page);
  assert.deepEqual(errors, []);
});

test("auto: Prosody is XMPP, by its subprotocol and its <open/>", async (t) => {
  const server = await startProsody("unused");
  t.after(() => server.kill());
  const { page, errors } = await found(t, server.anonUrl, "xmpp");
  await page.getByText(/^Online as /).first().waitFor({ timeout, state: "attached" });
  assert.deepEqual(errors, []);
});

test("auto: InspIRCd is IRC, by its own subprotocol and its first line", async (t) => {
  const ircd = await startInspircd();
  t.after(() => ircd.kill());
  const { page, errors } = await found(t, ircd.url, "irc");
  await page.locator('[data-testid="conversation"][data-name="#chat"][data-active="true"]').waitFor({ timeout });
  await page.getByText("Ready to chat.").first().waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("auto: Socket.IO at its endpoint, by the Engine.IO open packet", async (t) => {
  const server = await startProcess("node", ["tests/peers/socketio-tutorial.mjs", "0"], listening);
  t.after(() => server.kill());
  const { page, errors } = await found(t, `ws://${server.match[1]}/socket.io/?EIO=4&transport=websocket`, "socketio");
  const inbox = new Inbox();
  const other = socketIo(`http://${server.match[1]}`, { transports: ["websocket"] });
  t.after(() => other.close());
  other.on("chat message", (m) => inbox.push(m));
  await new Promise((resolve) => other.on("connect", resolve));
  await page.getByText("Ready to chat.").first().waitFor({ timeout });
  await send(page, "hello over socket.io");
  await inbox.waitFor((m) => m === "wendy: hello over socket.io", "wendy's message");
  assert.deepEqual(errors, []);
});
