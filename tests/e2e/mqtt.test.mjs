// MQTT against Debian's Mosquitto, with npm's `mqtt` client as the other person: messages both
// ways with own messages ending delivered (PUBACK), two topics as two conversations with unread
// counts, a retained message shown once across a reconnect, the broker killed (SIGKILL) and
// started again while five messages are typed (each received once, in order, and the page's
// MQTT 5 session resumed), a wrong password explained. The page speaks MQTT 5; the other
// person speaks 3.1.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { assertNotRetried, assertSecretHidden, awkward, conversation, exportedRecords, fiveDuringOutage, Inbox, inspectorExport, openJoined, send, sendLines, sharedBrowserAndApp, startMosquitto, sentFrames, startRabbitmq, timeout, untilChatText, untilOwn, untilStored } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

/** The other person: an `mqtt` client subscribed to `topics`, keeping what arrives. */
async function otherPerson(url, topics, options = {}) {
  const inbox = new Inbox();
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 200, connectTimeout: 5_000, ...options });
  client.on("message", (topic, payload) => inbox.push({ topic, text: payload.toString() }));
  await new Promise((resolve, reject) => (client.once("connect", resolve), client.once("error", reject)));
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    inbox,
    say: (topic, nick, text, opts = {}) => client.publishAsync(topic, JSON.stringify({ nick, text }), { qos: 1, ...opts }),
    close: () => client.endAsync(true),
  };
}

/** The page connected to the broker as `nick`, each of `topics` subscribed. */
const openPage = (t, broker, nick, topics) =>
  openJoined(t, shared.browser, `http://${shared.app.addr}/`, { protocol: "mqtt", url: broker.url, nick, channel: topics.join(","), connect: "1" }, topics);

test("MQTT: messages both ways, own ones delivered, two topics with their unread counts", async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.kill());
  const bob = await otherPerson(broker.url, ["chat/lobby", "chat/dev"]);
  t.after(() => bob.close());
  const { page, errors } = await openPage(t, broker, "ada", ["chat/lobby", "chat/dev"]);
  assert.equal(await conversation(page, "chat/lobby").getAttribute("data-active"), "true", "the first topic shown");
  await page.getByText(/Connected to the broker as wschat-ada-\w+ \(MQTT 5\), a new session\./).waitFor({ timeout });

  await send(page, "hello from ada");
  const got = await bob.inbox.waitFor((m) => m.topic === "chat/lobby" && JSON.parse(m.text).text === "hello from ada", "ada's message");
  assert.deepEqual(JSON.parse(got.text), { nick: "ada", text: "hello from ada" });
  await untilOwn(page, 1, "delivered");

  await bob.say("chat/lobby", "bob", "hi ada");
  await page.locator('[data-testid="message"][data-kind="chat"][data-nick="bob"]', { hasText: "hi ada" }).waitFor({ timeout });
  await bob.say("chat/dev", "bob", "over in dev");
  await page.waitForFunction(() => document.querySelector('[data-testid="conversation"][data-name="chat/dev"]')?.dataset.unread === "1", null, { timeout });
  assert.equal(await page.getByText("over in dev").count(), 0, "not in the topic shown");
  await conversation(page, "chat/dev").click();
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "over in dev" }).waitFor({ timeout });
  assert.equal(await conversation(page, "chat/dev").getAttribute("data-unread"), "0");
  // Delivered once: bob saw one copy.
  assert.equal(bob.inbox.items.filter((m) => m.text.includes("hello from ada")).length, 1);
  // Markup, quotes, a line break, an emoji and over 127 bytes (a two-byte remaining length),
  // each way, exactly.
  const fromAda = awkward("from ada");
  await sendLines(page, fromAda);
  const awkwardGot = await bob.inbox.waitFor((m) => m.topic === "chat/dev" && m.text.includes("from ada 0123"), "ada's awkward message");
  assert.ok(Buffer.byteLength(awkwardGot.text) > 127, `${Buffer.byteLength(awkwardGot.text)} bytes`);
  assert.deepEqual(JSON.parse(awkwardGot.text), { nick: "ada", text: fromAda });
  await untilOwn(page, 1, "delivered");
  const fromBob = awkward("from bob");
  await bob.say("chat/dev", "bob", fromBob);
  await untilChatText(page, "bob", fromBob);
  // /join takes a topic as MQTT names it (no # put before it), and /part leaves it.
  await send(page, "/join chat/extra");
  await conversation(page, "chat/extra").and(page.locator('[data-active="true"]:not(.parted)')).waitFor({ timeout });
  await send(page, "/part");
  await conversation(page, "chat/extra").waitFor({ state: "detached", timeout });
  assert.deepEqual(errors, []);
});

test("MQTT: a retained message is history, shown once across a reconnect and a reload", async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.kill());
  const bob = await otherPerson(broker.url, ["chat/lobby"]);
  t.after(() => bob.close());
  await bob.say("chat/lobby", "bob", "the topic of the day", { retain: true });
  const { page, errors } = await openPage(t, broker, "ada", ["chat/lobby"]);
  const retained = page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "the topic of the day" });
  await retained.waitFor({ timeout });
  await send(page, "/reconnect");
  await page.getByText("Subscribed to chat/lobby.").nth(1).waitFor({ timeout, state: "attached" });
  // Something after the replay, so that the replay has been read when counting.
  await bob.say("chat/lobby", "bob", "after the reconnect");
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "after the reconnect" }).waitFor({ timeout });
  // The broker did send the retained message again on the new subscription: the page had a copy to drop.
  const payload = Buffer.from("the topic of the day").toString("hex");
  const replayed = exportedRecords(await inspectorExport(page), 2).filter((r) => r.direction === "in" && r.hex?.includes(payload));
  assert.equal(replayed.length, 1, "the retained message came again after the reconnect");
  assert.equal(await retained.count(), 1);
  // A reload: the stored line, then the broker's copy on the new subscription (no time of its
  // own: known by the stored id).
  await untilStored(page, "the topic of the day");
  // The page after the reload runs 30 s later than this one: by nick, text and second the
  // broker's copy would be another line.
  await page.context().addInitScript(() => {
    const now = Date.now;
    Date.now = () => now() + 30_000;
  });
  await page.reload();
  // The two notices of before come back from the store; the third is this subscription.
  await page.getByText("Subscribed to chat/lobby.").nth(2).waitFor({ timeout, state: "attached" });
  await bob.say("chat/lobby", "bob", "after the reload");
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "after the reload" }).waitFor({ timeout });
  const resent = exportedRecords(await inspectorExport(page), 1).filter((r) => r.direction === "in" && r.hex?.includes(payload));
  assert.equal(resent.length, 1, "the retained message came again after the reload");
  assert.equal(await retained.count(), 1, "shown once after a reload");
  assert.deepEqual(errors, []);
});

test("MQTT: the broker is killed and starts again while five messages are typed: each arrives once, in order", async (t) => {
  let broker = await startMosquitto();
  t.after(() => broker.kill());
  // The other person keeps a session (clean: false): what is published while it reconnects waits for it.
  const bob = await otherPerson(broker.url, ["chat/lobby"], { clean: false, clientId: `bob-${Date.now()}` });
  t.after(() => bob.close());
  const { page, errors } = await openPage(t, broker, "ada", ["chat/lobby"]);
  // Both sessions on disk before the crash, as a broker running for a while would have them.
  await broker.savedAfter(Date.now());
  const stop = async () => {
    await broker.killHard();
    // An attempt fails while the broker is down: an outage, not a refusal of `mqtt`, which the
    // broker chose before (going on without it, Mosquitto would open a link that is no MQTT).
    await page.getByText(/^The connection to .* failed\./).first().waitFor({ timeout });
  };
  const start = async () => (broker = await startMosquitto({ again: broker }));
  const received = await fiveDuringOutage(page, bob.inbox, stop, start, 60_000);
  assert.deepEqual(received, ["during 1", "during 2", "during 3", "during 4", "during 5"]);
  assert.equal(await page.getByText("connecting again without them").count(), 0);
  await page.getByText(/Connected to the broker as wschat-ada-\w+ \(MQTT 5\), the broker's session resumed\./).waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("MQTT: a broker that speaks only 3.1.1 (RabbitMQ 3.10's Web MQTT) gets 3.1.1: messages both ways", async (t) => {
  const broker = await startRabbitmq({ mqtt: true });
  t.after(() => broker.kill());
  const bob = await otherPerson(broker.mqttUrl, ["chat/lobby"], { username: "guest", password: "guest" });
  t.after(() => bob.close());
  // It closes the link on an MQTT 5 CONNECT without a word; the page comes back in 3.1.1.
  const { page, errors } = await openPage(t, { url: broker.mqttUrl }, "ada", ["chat/lobby"]);
  await page.getByText("The broker closed the link without answering an MQTT 5 CONNECT: speaking MQTT 3.1.1 to it.").first().waitFor({ timeout });
  await page.getByText(/Connected to the broker as wschat-ada-\w+ \(MQTT 3\.1\.1\)/).first().waitFor({ timeout });
  await send(page, "hello in 3.1.1");
  await bob.inbox.waitFor((m) => m.text.includes("hello in 3.1.1"), "ada's message");
  await untilOwn(page, 1, "delivered");
  await bob.say("chat/lobby", "bob", "heard you");
  await page.locator('[data-testid="message"][data-nick="bob"]', { hasText: "heard you" }).waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("MQTT: a wrong password is explained, not tried again, and never shown", async (t) => {
  const broker = await startMosquitto({ login: { user: "ada", password: "right" } });
  t.after(() => broker.kill());
  const page = await (await shared.browser.newContext({ acceptDownloads: true })).newPage();
  t.after(() => page.context().close());
  const params = new URLSearchParams({ protocol: "mqtt", url: broker.url, nick: "ada", login: "ada", connect: "0" });
  await page.goto(`http://${shared.app.addr}/?${params}`);
  await page.getByTestId("password-input").fill("wr0ng-s3cret");
  await page.getByTestId("connect-button").click();
  await page.getByTestId("error").filter({ hasText: "refused the login as ada" }).waitFor({ timeout });
  await assertNotRetried(page);
  const exported = await assertSecretHidden(page, "wr0ng-s3cret");
  const connect = sentFrames(exported).find((frame) => frame.hex?.startsWith("10"));
  assert.ok(connect?.hex.endsWith("2a".repeat(2 + "wr0ng-s3cret".length)), `CONNECT recorded, its password masked: ${connect?.hex}`);
});
