// XMPP against Debian's Prosody (mod_websocket, a MUC component, mod_smacks), with npm's
// @xmpp/client as the other person: logging in with a typed password (SCRAM-SHA-1), messages
// both ways in a room with own messages ending delivered, two rooms with unread counts, a
// private chat with receipts both ways, history the room sends on join shown once across a
// reconnect (a server without stream management, so the room is joined again), a dropped link
// resuming the stream (XEP-0198), the server killed and started again while five messages are
// typed (each received once, in order), a wrong password explained, and an anonymous login.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { xmppPeer } from "./xmpp-peer.mjs";
import { assertNotRetried, assertSecretHidden, awkward, conversation, exportedRecords, fiveDuringOutage, inspectorExport, sharedBrowserAndApp, send, sendLines, sentFrames, startProsody, timeout, untilChatText, untilJoined, untilOwn } from "./helpers.mjs";

const shared = sharedBrowserAndApp();
const password = "s3cret pass";
const lobby = "lobby@conference.localhost";
const dev = "dev@conference.localhost";

/** bob, with the test's password, in `rooms` (see xmpp-peer.mjs). */
const bob = (server, rooms, options) => xmppPeer(server, "bob", password, rooms, options);

/** The page, logged in as ada with the password typed into the form, in `rooms`. */
async function ada(t, server, rooms, typed = password) {
  const page = await (await shared.browser.newContext({ acceptDownloads: true })).newPage();
  t.after(() => page.context().close());
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const params = new URLSearchParams({ protocol: "xmpp", url: server.url, nick: "ada", login: "ada@localhost", channel: rooms.join(","), connect: "0" });
  await page.goto(`http://${shared.app.addr}/?${params}`);
  await page.getByTestId("password-input").fill(typed);
  await page.getByTestId("connect-button").click();
  return { page, errors };
}

const joined = untilJoined;

/** A TCP relay to Prosody's `port` that `cut()` drops as a dead router would: both ends reset,
 * no close frame, no closing stream. */
async function relay(port) {
  const links = new Set();
  const server = net.createServer((near) => {
    const far = net.connect(port, "127.0.0.1");
    const link = [near, far];
    links.add(link);
    near.pipe(far);
    far.pipe(near);
    const end = () => (links.delete(link), near.destroy(), far.destroy());
    for (const socket of link) socket.on("error", end).on("close", end);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `ws://localhost:${server.address().port}/xmpp-websocket`,
    cut() {
      const cut = links.size;
      for (const link of links) for (const socket of link) socket.resetAndDestroy();
      links.clear();
      return cut;
    },
    close: () => server.close(),
  };
}
const chatLine = (page, nick, text) => page.locator(`[data-testid="message"][data-kind="chat"][data-nick="${nick}"]`, { hasText: text });

test("XMPP: a room both ways with own messages delivered, a second room's unread, a private chat", async (t) => {
  // Without stream management: delivery is the room's reflection, and bob's receipt.
  const server = await startProsody(password, { streamManagement: false });
  t.after(() => server.kill());
  const other = await bob(server, [lobby, dev]);
  t.after(() => other.stop());
  const { page, errors } = await ada(t, server, [lobby, dev]);
  await joined(page, lobby);
  await joined(page, dev);
  // Logged in with SCRAM-SHA-1: the password itself never went over the wire.
  await page.getByTestId("inspector-toggle").click();
  await page.getByTestId("inspector-frame").filter({ hasText: 'mechanism="SCRAM-SHA-1"' }).waitFor({ timeout });
  assert.equal(await page.getByTestId("inspector-frame").filter({ hasText: password }).count(), 0);
  await page.getByTestId("inspector-toggle").click();
  await send(page, "hello from ada");
  await other.inbox.waitFor((m) => m.from === `${lobby}/ada` && m.body === "hello from ada", "ada's message");
  await untilOwn(page, 1, "delivered");
  await other.say(lobby, "hi ada");
  await chatLine(page, "bob", "hi ada").waitFor({ timeout });
  await other.say(dev, "over in dev");
  await page.waitForFunction((dev) => document.querySelector(`[data-testid="conversation"][data-name="${dev}"]`)?.dataset.unread === "1", dev, { timeout });
  // Markup, quotes, a line break, an emoji and over 127 bytes, each way, exactly.
  const fromAda = awkward("from ada");
  await sendLines(page, fromAda);
  await other.inbox.waitFor((m) => m.from === `${lobby}/ada` && m.body === fromAda, "ada's awkward message, exactly");
  await untilOwn(page, 2, "delivered");
  const fromBob = awkward("from bob");
  await other.say(lobby, fromBob);
  await untilChatText(page, "bob", fromBob);
  await other.whisper("ada@localhost/wschat", "just between us");
  await conversation(page, "bob@localhost").click();
  await chatLine(page, "bob", "just between us").waitFor({ timeout });
  assert.equal(await conversation(page, "bob@localhost").getAttribute("data-kind"), "private");
  // ada's answer asks for a receipt, and bob's receipt delivers it.
  await send(page, "likewise");
  const answer = await other.inbox.waitFor((m) => m.type === "chat" && m.body === "likewise", "ada's private answer");
  assert.equal(answer.receipt, true);
  // The one own message of this conversation (the only one drawn).
  await untilOwn(page, 1, "delivered");
  // /msg with a bare nick in a room: a private chat with that occupant, through the room.
  await conversation(page, lobby).click();
  await send(page, "/msg bob through the room");
  const whisper = await other.inbox.waitFor((m) => m.body === "through the room", "ada's message through the room");
  assert.deepEqual([whisper.from, whisper.type], [`${lobby}/ada`, "chat"]);
  assert.equal(await conversation(page, `${lobby}/bob`).getAttribute("data-kind"), "private");
  assert.deepEqual(errors, []);
});

test("XMPP: history the room sends on join is shown once, also after a reconnect", async (t) => {
  // Without stream management the reconnect joins the room again, and it sends its history again.
  const server = await startProsody(password, { streamManagement: false });
  t.after(() => server.kill());
  const other = await bob(server, [lobby]);
  t.after(() => other.stop());
  await other.say(lobby, "said before ada came");
  await other.inbox.waitFor((m) => m.body === "said before ada came", "the room's reflection");
  const { page, errors } = await ada(t, server, [lobby]);
  const earlier = chatLine(page, "bob", "said before ada came");
  await earlier.waitFor({ timeout });
  await send(page, "/reconnect");
  await page.getByText("Joined lobby@conference.localhost as ada.").nth(1).waitFor({ timeout, state: "attached" });
  await other.say(lobby, "after the reconnect");
  await chatLine(page, "bob", "after the reconnect").waitFor({ timeout });
  // The room did send its history again on the second join: the page had a copy to drop.
  const replayed = exportedRecords(await inspectorExport(page), 2).filter(
    (r) => r.direction === "in" && r.text?.includes("said before ada came") && r.text.includes("urn:xmpp:delay"),
  );
  assert.equal(replayed.length, 1, "the history came again after the reconnect");
  assert.equal(await earlier.count(), 1);
  assert.deepEqual(errors, []);
});

test("XMPP: a dropped link resumes the stream: the room kept, nothing sent twice", async (t) => {
  const server = await startProsody(password);
  t.after(() => server.kill());
  // bob gives no receipts: the server's acks (XEP-0198) are what deliver a private message.
  const other = await bob(server, [lobby], { receipts: false });
  t.after(() => other.stop());
  // The page reaches Prosody through a relay, to cut its link the way a network does.
  const link = await relay(server.port);
  t.after(() => link.close());
  const { page, errors } = await ada(t, { url: link.url }, [lobby]);
  await joined(page, lobby);
  await send(page, "/query bob@localhost");
  await send(page, "acked by the server");
  await other.inbox.waitFor((m) => m.body === "acked by the server", "ada's private message");
  await untilOwn(page, 1, "delivered");
  await conversation(page, lobby).click();
  await send(page, "before the drop");
  await untilOwn(page, 1, "delivered");
  assert.equal(link.cut(), 1, "the page's one link cut");
  await page.getByText("The stream resumed: rooms kept, nothing missed.").first().waitFor({ timeout });
  await send(page, "after the drop");
  await other.inbox.waitFor((m) => m.body === "after the drop", "ada's message after the resume");
  await untilOwn(page, 2, "delivered");
  await other.say(lobby, "welcome back");
  await chatLine(page, "bob", "welcome back").waitFor({ timeout });
  assert.equal(await page.getByText(`Joined ${lobby} as ada.`).count(), 1, "not joined again");
  // Dropped, not closed: no close started by the page, and one unclean close.
  const events = exportedRecords(await inspectorExport(page)).flatMap((r) => (r.event ? [r.event] : []));
  assert.deepEqual(events.filter((e) => /^readyState clos/.test(e)).map((e) => e.replace(/, reason.*/, "")), ["readyState closed: code 1006"]);
  assert.ok(events.some((e) => /^readyState closed: .*wasClean false$/.test(e)), JSON.stringify(events));
  // A last message: once bob has it, a second copy of any before it would be in too.
  await send(page, "last one");
  await other.inbox.waitFor((m) => m.body === "last one", "ada's last message");
  const fromAda = other.inbox.items.filter((m) => m.from === `${lobby}/ada` || m.from.startsWith("ada@localhost/")).map((m) => m.body);
  assert.deepEqual(fromAda, ["acked by the server", "before the drop", "after the drop", "last one"]);
  assert.deepEqual(errors, []);
});

test("XMPP: the server is killed and starts again while five messages are typed: each arrives once, in order", async (t) => {
  let server = await startProsody(password);
  t.after(() => server.kill());
  const other = await bob(server, [lobby]);
  t.after(() => other.stop());
  const { page, errors } = await ada(t, server, [lobby]);
  await joined(page, lobby);
  const stop = () => server.killHard();
  const start = async () => (server = await startProsody(password, { again: server }));
  // bob's copies from ada: live, or as the new room's history when he joins after her.
  const fromAda = { items: other.inbox.items, waitFor: (match, what, ms) => other.inbox.waitFor((m) => m.from === `${lobby}/ada` && match(m), what, ms) };
  const received = await fiveDuringOutage(page, fromAda, stop, start, 60_000);
  assert.deepEqual(received, ["during 1", "during 2", "during 3", "during 4", "during 5"]);
  await page.getByText("The server could not resume the stream: starting anew.").first().waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("XMPP: a wrong password is explained, not tried again, never shown; an anonymous login needs none", async (t) => {
  const server = await startProsody(password);
  t.after(() => server.kill());
  const { page } = await ada(t, server, [lobby], "wr0ng-s3cret");
  await page.getByTestId("error").filter({ hasText: "refused the login as ada" }).waitFor({ timeout });
  await assertNotRetried(page);
  const exported = await assertSecretHidden(page, "wr0ng-s3cret");
  const auth = sentFrames(exported).filter((frame) => /^<(auth|response) /.test(frame.text ?? ""));
  assert.ok(auth.length >= 1 && auth.every((frame) => />\*{8}</.test(frame.text)), `SASL frames recorded, masked: ${JSON.stringify(auth)}`);
  const anonymous = await (await shared.browser.newContext()).newPage();
  t.after(() => anonymous.context().close());
  const params = new URLSearchParams({ protocol: "xmpp", url: server.anonUrl, nick: "guest", channel: lobby, connect: "1" });
  await anonymous.goto(`http://${shared.app.addr}/?${params}`);
  await joined(anonymous, lobby);
});
