// STOMP against Debian's RabbitMQ (web-stomp), with npm's @stomp/stompjs as the other person:
// messages both ways with own messages ending delivered (RECEIPT), two destinations with
// unread counts, a send prefix (Spring's layout), the broker killed (SIGKILL) and started again
// while five messages are typed (each received once, in order), a wrong password explained.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { Client } from "@stomp/stompjs";
import { assertNotRetried, assertSecretHidden, awkward, conversation, fiveDuringOutage, Inbox, openJoined, send, sendLines, sharedBrowserAndApp, sentFrames, startRabbitmq, timeout, untilChatText, untilOwn } from "./helpers.mjs";

const shared = sharedBrowserAndApp();
const brokerStart = 60_000;

/** The other person: a @stomp/stompjs client subscribed to `destinations` (with `headers`),
 * keeping what arrives; it reconnects by itself. */
async function otherPerson(url, destinations, headers = {}) {
  const inbox = new Inbox();
  let connected;
  const ready = new Promise((resolve) => (connected = resolve));
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ["v12.stomp"]),
    connectHeaders: { login: "guest", passcode: "guest", host: "/" },
    reconnectDelay: 200,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    // Again after every reconnect: subscriptions end with their connection.
    onConnect: () => {
      for (const destination of destinations) {
        client.subscribe(destination, (m) => inbox.push({ destination, text: m.body }), { id: `bob-${destination}`, ...headers });
      }
      connected();
    },
  });
  client.activate();
  await ready;
  return {
    inbox,
    say: (destination, nick, text) => client.publish({ destination, body: JSON.stringify({ nick, text }) }),
    close: () => client.deactivate(),
  };
}

/** The page connected as ada, each of `destinations` subscribed. */
const openPage = (t, broker, destinations) =>
  openJoined(t, shared.browser, `http://${shared.app.addr}/`, { protocol: "stomp", url: broker.url, nick: "ada", channel: destinations.join(","), connect: "1" }, destinations);

test("STOMP: messages both ways, own ones delivered, two destinations with their unread counts", async (t) => {
  const broker = await startRabbitmq();
  t.after(() => broker.kill());
  const bob = await otherPerson(broker.url, ["/topic/chat", "/topic/dev"]);
  t.after(() => bob.close());
  const { page, errors } = await openPage(t, broker, ["/topic/chat", "/topic/dev"]);
  await send(page, "hello from ada");
  const got = await bob.inbox.waitFor((m) => m.destination === "/topic/chat" && m.text.includes("hello from ada"), "ada's message");
  assert.deepEqual(JSON.parse(got.text), { nick: "ada", text: "hello from ada" });
  await untilOwn(page, 1, "delivered");
  bob.say("/topic/chat", "bob", "hi ada");
  await page.locator('[data-testid="message"][data-kind="chat"][data-nick="bob"]', { hasText: "hi ada" }).waitFor({ timeout });
  bob.say("/topic/dev", "bob", "over in dev");
  await page.waitForFunction(() => document.querySelector('[data-testid="conversation"][data-name="/topic/dev"]')?.dataset.unread === "1", null, { timeout });
  await conversation(page, "/topic/dev").click();
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "over in dev" }).waitFor({ timeout });
  assert.equal(bob.inbox.items.filter((m) => m.text.includes("hello from ada")).length, 1);
  // Markup, quotes, a line break, an emoji and over 127 bytes, each way, exactly.
  const fromAda = awkward("from ada");
  await sendLines(page, fromAda);
  const awkwardGot = await bob.inbox.waitFor((m) => m.destination === "/topic/dev" && m.text.includes("from ada 0123"), "ada's awkward message");
  assert.deepEqual(JSON.parse(awkwardGot.text), { nick: "ada", text: fromAda });
  await untilOwn(page, 1, "delivered");
  const fromBob = awkward("from bob");
  bob.say("/topic/dev", "bob", fromBob);
  await untilChatText(page, "bob", fromBob);
  assert.deepEqual(errors, []);
});

test("STOMP: a send prefix sends what is typed in a destination elsewhere (Spring's /app layout)", async (t) => {
  const broker = await startRabbitmq();
  t.after(() => broker.kill());
  // As a Spring app would read /app/chat and answer in /topic/chat: bob reads /queue/chat,
  // where only the prefix can put ada's messages, and writes to /topic/chat.
  const bob = await otherPerson(broker.url, ["/queue/chat"]);
  t.after(() => bob.close());
  const params = { protocol: "stomp", url: broker.url, nick: "ada", channel: "/topic/chat", send_prefix: "/queue", connect: "1" };
  const { page, errors } = await openJoined(t, shared.browser, `http://${shared.app.addr}/`, params, ["/topic/chat"]);
  assert.equal(await page.getByTestId("send-prefix-input").inputValue(), "/queue");
  await send(page, "to the app");
  const got = await bob.inbox.waitFor((m) => m.text.includes("to the app"), "ada's message in /queue/chat");
  assert.deepEqual(JSON.parse(got.text), { nick: "ada", text: "to the app" });
  await untilOwn(page, 1, "delivered");
  bob.say("/topic/chat", "bob", "answered in the topic");
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "answered in the topic" }).waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("STOMP: the broker is killed and starts again while five messages are typed: each arrives once, in order", async (t) => {
  let broker = await startRabbitmq();
  t.after(() => broker.kill());
  // A durable subscription: what is sent while the other person reconnects waits in its queue.
  const bob = await otherPerson(broker.url, ["/topic/chat"], { durable: "true", "auto-delete": "false" });
  t.after(() => bob.close());
  const { page, errors } = await openPage(t, broker, ["/topic/chat"]);
  const stop = () => broker.killHard();
  const start = async () => (broker = await startRabbitmq({ again: broker }));
  const received = await fiveDuringOutage(page, bob.inbox, stop, start, brokerStart);
  assert.deepEqual(received, ["during 1", "during 2", "during 3", "during 4", "during 5"]);
  assert.deepEqual(errors, []);
});

test("STOMP: a wrong password is explained, not tried again, and never shown", async (t) => {
  const broker = await startRabbitmq();
  t.after(() => broker.kill());
  const page = await (await shared.browser.newContext({ acceptDownloads: true })).newPage();
  t.after(() => page.context().close());
  const params = new URLSearchParams({ protocol: "stomp", url: broker.url, nick: "ada", login: "guest", connect: "0" });
  await page.goto(`http://${shared.app.addr}/?${params}`);
  await page.getByTestId("password-input").fill("wr0ng-s3cret");
  await page.getByTestId("connect-button").click();
  await page.getByTestId("error").filter({ hasText: "refused the login as guest" }).waitFor({ timeout });
  await assertNotRetried(page);
  const exported = await assertSecretHidden(page, "wr0ng-s3cret");
  const connect = sentFrames(exported).find((frame) => frame.text?.startsWith("CONNECT"));
  assert.match(connect?.text ?? "", /\npasscode:\*{8}\n/, "CONNECT recorded, its passcode masked");
});
