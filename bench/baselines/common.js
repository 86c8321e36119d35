// Shared by the two hand-written JavaScript baselines: the same markup and UI contract
// attributes as wschat, the same plain-text decoding (nick split, batched lines), no framework.
export const CAP = 5000;

export function splitNick(frame) {
  const at = frame.indexOf(": ");
  if (at <= 0) return null;
  const nick = frame.slice(0, at);
  if ([...nick].length > 32 || /[\s:\p{Cc}]/u.test(nick)) return null;
  return [nick, frame.slice(at + 2)];
}

export function decode(frame) {
  const lines = frame.split("\n");
  const withNick = lines.filter((l) => splitNick(l)).length;
  const batched = lines.length > 1 && (withNick === lines.length || withNick === 0);
  return (batched ? lines : [frame]).map((line) => splitNick(line) || [null, line]);
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// Rows by the author of the row before go under its header, as wschat groups them (it also
// starts a new group after a pause, which a burst never has).
let previousNick = null;

// wschat's nick colour (core/src/present.rs: FNV-1a of the lower-cased nick, twelve colours),
// worked out once per nick.
const colours = new Map();
const encoder = new TextEncoder();
function nickColour(nick) {
  let colour = colours.get(nick);
  if (colour === undefined) {
    let hash = 0x811c9dc5;
    for (const byte of encoder.encode(nick.toLowerCase())) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    colour = hash % 12;
    colours.set(nick, colour);
  }
  return colour;
}

/** A row with wschat's markup: the same elements, classes and attributes. */
export function row([nick, text]) {
  const div = document.createElement("div");
  div.className = nick !== null && nick === previousNick ? "message chat continued" : "message chat";
  previousNick = nick;
  div.setAttribute("data-testid", "message");
  div.setAttribute("data-kind", "chat");
  if (nick !== null) div.setAttribute("data-nick", nick);
  const now = new Date();
  div.setAttribute("data-ms", String(now.getTime()));
  const time = document.createElement("time");
  time.className = "time";
  time.setAttribute("aria-hidden", "true");
  time.textContent = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  div.appendChild(time);
  if (nick !== null) {
    const n = document.createElement("span");
    n.className = `nick c${nickColour(nick)}`;
    n.setAttribute("dir", "auto");
    n.textContent = nick;
    div.appendChild(n);
  }
  const t = document.createElement("span");
  t.className = "text";
  t.setAttribute("dir", "auto");
  t.setAttribute("data-testid", "message-text");
  t.textContent = text;
  div.appendChild(t);
  return div;
}

/** Connects to the `url` query parameter and hands every decoded message to `onMessages`. */
export function connect(onMessages) {
  const params = new URLSearchParams(location.search);
  const status = document.querySelector('[data-testid="connection-status"]');
  const ws = new WebSocket(params.get("url"));
  ws.onopen = () => status.setAttribute("data-ready-state", "open");
  ws.onclose = () => status.setAttribute("data-ready-state", "closed");
  ws.onmessage = (event) => onMessages(decode(String(event.data)));
}
