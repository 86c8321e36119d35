// A small IRC server over WebSocket that keeps channel history and answers IRCv3 CHATHISTORY
// BEFORE, for the tests: no Debian IRC server offers `draft/chathistory`. It speaks what the
// exchange needs (CAP LS/REQ/END with batch, server-time, message-tags and draft/chathistory,
// NICK, USER, JOIN with NAMES and the newest REPLAY lines in a `chathistory` batch, PING,
// CHATHISTORY BEFORE with `timestamp=` and LATEST with `*`) and logs each CHATHISTORY request
// on stderr. With
// `labels`, it offers `labeled-response` too and puts an ask's label on its answer's batch.
// Usage: node irc-chathistory.mjs LINES REPLAY [labels]   (prints "listening on 127.0.0.1:PORT")
// Every channel holds LINES lines said by `old`, "past N", a second apart, ending a minute ago.
import { WebSocketServer } from "ws";

const lines = Number(process.argv[2] || 60);
const replay = Number(process.argv[3] || 20);
const labels = process.argv[4] === "labels";
const newest = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const history = Array.from({ length: lines }, (_, i) => ({ time: newest - (lines - 1 - i) * 1000, text: `past ${i}`, msgid: `m${i}` }));
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (offered) => [...offered][0] ?? false });
let batches = 0;

wss.on("connection", (ws) => {
  const me = { nick: "*", user: false, capEnded: false, registered: false };
  const send = (line) => ws.send(line);
  const server = (line) => send(`:history.test ${line}`);
  const register = () => {
    if (me.registered || !me.capEnded || me.nick === "*" || !me.user) return;
    me.registered = true;
    server(`001 ${me.nick} :Welcome`);
    server(`005 ${me.nick} CHATHISTORY=100 :are supported by this server`);
  };
  /** `found` lines of `channel` in a chathistory batch, oldest first, labeled `label`. */
  const answer = (channel, found, label) => {
    const ref = `h${++batches}`;
    send(`${label ? `@label=${label} ` : ""}BATCH +${ref} chathistory ${channel}`);
    for (const line of found) {
      send(`@batch=${ref};time=${new Date(line.time).toISOString()};msgid=${line.msgid} :old!o@h PRIVMSG ${channel} :${line.text}`);
    }
    send(`BATCH -${ref}`);
  };
  ws.on("message", (data) => {
    for (const tagged of String(data).split(/\r?\n/).filter(Boolean)) {
      const tags = /^@(\S+) /.exec(tagged)?.[1] ?? "";
      const label = labels ? /(?:^|;)label=([^;]+)/.exec(tags)?.[1] : undefined;
      const line = tagged.replace(/^@\S+ /, "");
      const [command, ...rest] = line.split(" ");
      const last = line.includes(" :") ? line.slice(line.indexOf(" :") + 2) : rest[rest.length - 1];
      switch (command) {
        case "CAP":
          if (rest[0] === "LS") server(`CAP * LS :batch server-time message-tags draft/chathistory${labels ? " labeled-response" : ""}`);
          if (rest[0] === "REQ") server(`CAP ${me.nick} ACK :${last}`);
          if (rest[0] === "END") {
            me.capEnded = true;
            register();
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
          server(`PONG history.test :${last}`);
          break;
        case "JOIN":
          send(`:${me.nick}!u@h JOIN ${rest[0]}`);
          server(`353 ${me.nick} = ${rest[0]} :${me.nick} old`);
          server(`366 ${me.nick} ${rest[0]} :End of /NAMES list.`);
          if (replay > 0) answer(rest[0], history.slice(-replay));
          break;
        case "CHATHISTORY": {
          // CHATHISTORY BEFORE <target> timestamp=<ISO 8601> <limit>, or LATEST <target> * <limit>
          const [sub, target, at, limit] = rest;
          console.error(`CHATHISTORY ${rest.join(" ")}`);
          if (sub === "LATEST" && at === "*") {
            answer(target, history.slice(-Number(limit)), label);
            break;
          }
          const before = Date.parse(at.replace(/^timestamp=/, ""));
          if (sub !== "BEFORE" || Number.isNaN(before)) {
            server(`FAIL CHATHISTORY INVALID_PARAMS ${sub} :Only BEFORE with a timestamp here`);
            break;
          }
          answer(target, history.filter((l) => l.time < before).slice(-Number(limit)), label);
          break;
        }
      }
    }
  });
});
wss.on("listening", () => console.error(`listening on 127.0.0.1:${wss.address().port}`));
