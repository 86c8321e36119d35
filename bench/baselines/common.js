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

export function row([nick, text]) {
  const li = document.createElement("li");
  li.className = "message chat";
  li.setAttribute("data-testid", "message");
  li.setAttribute("data-kind", "chat");
  if (nick !== null) li.setAttribute("data-nick", nick);
  const now = new Date();
  const time = document.createElement("time");
  time.className = "time";
  time.textContent = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  li.appendChild(time);
  if (nick !== null) {
    const n = document.createElement("span");
    n.className = "nick";
    n.textContent = nick;
    li.appendChild(n);
  }
  const t = document.createElement("span");
  t.className = "text";
  t.setAttribute("data-testid", "message-text");
  t.textContent = text;
  li.appendChild(t);
  return li;
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
