// A second IRC client for the tests: registers over WebSocket, joins a channel, answers PING,
// records the PRIVMSGs it sees and can say things, send any line (`raw`), and wait until the
// server has handled everything it sent (`sync`: a PING's PONG comes after them). (No
// subprotocol: InspIRCd 3 negotiates none.)
import WebSocket from "ws";

export function ircBot(url, nick, channel, inbox) {
  return new Promise((resolve, reject) => {
    // InspIRCd answers 400 to a WebSocket handshake without an Origin, as browsers always send one.
    const ws = new WebSocket(url, { origin: "http://127.0.0.1" });
    const send = (line) => ws.send(`${line}\r\n`);
    const pongs = new Map();
    let pings = 0;
    const sync = () =>
      new Promise((done) => {
        const token = `sync${++pings}`;
        pongs.set(token, done);
        send(`PING :${token}`);
      });
    ws.on("error", reject);
    ws.on("open", () => {
      send(`NICK ${nick}`);
      send(`USER ${nick} 0 * :${nick}`);
    });
    ws.on("message", (data) => {
      for (const line of String(data).split("\r\n").filter(Boolean)) {
        const parts = line.replace(/^@\S+ /, "").split(" ");
        const hasSource = parts[0].startsWith(":");
        const source = hasSource ? parts[0].slice(1).split("!")[0] : "";
        const command = hasSource ? parts[1] : parts[0];
        if (command === "PING") send(`PONG ${parts.slice(1).join(" ")}`);
        if (command === "PONG") {
          const token = parts[parts.length - 1].replace(/^:/, "");
          pongs.get(token)?.();
          pongs.delete(token);
        }
        if (command === "001") send(`JOIN ${channel}`);
        if (command === "JOIN" && source === nick) {
          resolve({ say: (text) => send(`PRIVMSG ${channel} :${text}`), raw: send, sync, close: () => ws.close() });
        }
        if (command === "PRIVMSG") {
          const text = line.slice(line.indexOf(" :", line.indexOf("PRIVMSG")) + 2);
          inbox.push({ from: source, text });
        }
      }
    });
  });
}
