// A small IRC server over WebSocket that logs people in with SASL PLAIN, for the tests: Debian's
// InspIRCd needs a services package linked to it for SASL. It speaks what the exchange needs
// (CAP LS/REQ/END, AUTHENTICATE, 900/903/904, NICK, USER, JOIN, PRIVMSG relayed to the others in
// the channel) and records each login attempt's account and outcome on stderr.
// Usage: node irc-sasl.mjs ACCOUNT:PASSWORD [MEMBERS]   (prints "listening on 127.0.0.1:PORT")
import { WebSocketServer, WebSocket } from "ws";

const [account, password] = (process.argv[2] || "ada:sesame").split(":");
// Members every channel has besides whoever joins (a large channel's NAMES): `member1`, …
const members = Array.from({ length: Number(process.argv[3] || 0) }, (_, i) => `member${i + 1}`);
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (offered) => [...offered][0] ?? false });

wss.on("connection", (ws) => {
  const me = { nick: "*", user: false, capEnded: false, registered: false, account: null, channels: new Set() };
  const send = (line) => ws.send(line);
  const server = (line) => send(`:sasl.test ${line}`);
  const register = () => {
    if (me.registered || !me.capEnded || me.nick === "*" || !me.user) return;
    me.registered = true;
    server(`001 ${me.nick} :Welcome${me.account ? `, ${me.account}` : ""}`);
  };
  ws.on("message", (data) => {
    for (const line of String(data).split(/\r?\n/).filter(Boolean)) {
      const [command, ...rest] = line.split(" ");
      const last = line.includes(" :") ? line.slice(line.indexOf(" :") + 2) : rest[rest.length - 1];
      switch (command) {
        case "CAP":
          if (rest[0] === "LS") server("CAP * LS :sasl=PLAIN server-time");
          if (rest[0] === "REQ") server(`CAP ${me.nick} ACK :${last}`);
          if (rest[0] === "END") {
            me.capEnded = true;
            register();
          }
          break;
        case "AUTHENTICATE":
          // As IRCv3 SASL says: only during capability negotiation, before CAP END.
          if (me.capEnded || me.registered) {
            console.error("AUTHENTICATE after CAP END refused");
            server(`904 ${me.nick} :SASL authentication failed: not during registration`);
          } else if (rest[0] === "PLAIN") send("AUTHENTICATE +");
          else {
            const [, authcid, pass] = Buffer.from(rest[0], "base64").toString("utf8").split("\0");
            const ok = authcid === account && pass === password;
            console.error(`login ${authcid} ${ok ? "accepted" : "refused"}`);
            if (ok) {
              me.account = authcid;
              server(`900 ${me.nick} ${me.nick}!u@h ${authcid} :You are now logged in as ${authcid}`);
              server(`903 ${me.nick} :SASL authentication successful`);
            } else {
              server(`904 ${me.nick} :SASL authentication failed`);
            }
          }
          break;
        case "NICK":
          me.nick = rest[0];
          register();
          break;
        case "USER":
          me.user = true;
          register();
          break;
        case "PING":
          server(`PONG sasl.test :${last}`);
          break;
        case "JOIN":
          me.channels.add(rest[0]);
          send(`:${me.nick}!u@h JOIN ${rest[0]}`);
          // NAMES in lines of 40, as servers split it to fit 512 bytes.
          for (const names of [[me.nick, ...members]].flatMap((all) => Array.from({ length: Math.ceil(all.length / 40) }, (_, i) => all.slice(i * 40, i * 40 + 40)))) {
            server(`353 ${me.nick} = ${rest[0]} :${names.join(" ")}`);
          }
          server(`366 ${me.nick} ${rest[0]} :End of /NAMES list.`);
          break;
        case "PRIVMSG":
          for (const client of wss.clients) {
            if (client !== ws && client.readyState === WebSocket.OPEN) client.send(`:${me.nick}!u@h PRIVMSG ${rest[0]} :${last}`);
          }
          break;
      }
    }
  });
});
wss.on("listening", () => console.error(`listening on 127.0.0.1:${wss.address().port}`));
