// Another person on Debian's Prosody for the XMPP tests, through npm's @xmpp/client.
import WebSocket from "ws";
import { client as xmppClient, xml } from "@xmpp/client";
import { Inbox } from "./helpers.mjs";

// @xmpp/client uses the WebSocket of the platform; Node 20 has none of its own.
globalThis.WebSocket ??= WebSocket;

/** `username` on `localhost`, in `rooms` (joined again whenever the client comes back
 * online), keeping the group messages and private messages received, each once ({ from, type, body,
 * receipt: whether a receipt was asked for, and text: the body as JSON chat, for the outage
 * helper }); receipts are given where asked, unless `receipts` is false. */
export async function xmppPeer(server, username, password, rooms, { receipts = true } = {}) {
  const inbox = new Inbox();
  const archiveIds = new Set();
  const peer = xmppClient({ service: server.url, domain: "localhost", username, password, resource: "test" });
  peer.on("error", () => {});
  peer.on("stanza", (stanza) => {
    const body = stanza.is("message") && stanza.getChildText("body");
    if (!body) return;
    // A room's history on a join (its archive outlives a restart) holds lines received before:
    // the same archive id, not a message received anew.
    const archived = stanza.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id;
    if (archived && archiveIds.has(archived)) return;
    if (archived) archiveIds.add(archived);
    const receipt = stanza.getChild("request", "urn:xmpp:receipts") !== undefined;
    inbox.push({ from: stanza.attrs.from, type: stanza.attrs.type, body, receipt, text: JSON.stringify({ text: body }) });
    if (receipts && receipt && stanza.attrs.id) {
      peer.send(xml("message", { to: stanza.attrs.from }, xml("received", { xmlns: "urn:xmpp:receipts", id: stanza.attrs.id })));
    }
  });
  peer.on("online", () => {
    // Available, as a chat client is: messages to his bare JID reach him.
    peer.send(xml("presence"));
    for (const room of rooms) peer.send(xml("presence", { to: `${room}/${username}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
  });
  await peer.start();
  return {
    inbox,
    say: (room, body) => peer.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, body))),
    whisper: (to, body) => peer.send(xml("message", { to, type: "chat" }, xml("body", {}, body))),
    stop: () => peer.stop(),
  };
}

