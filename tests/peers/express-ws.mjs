// A plain-text chat on Express with `express-ws`, as its README shows one: a `/chat` route
// whose messages go to every client of the server.
// Usage: node express-ws.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import express from "express";
import expressWs from "express-ws";

const app = express();
const { getWss } = expressWs(app);
app.ws("/chat", (ws) => {
  ws.on("message", (msg) => {
    for (const client of getWss().clients) {
      if (client.readyState === 1) client.send(String(msg));
    }
  });
});
const server = app.listen(Number(process.argv[2] || 0), "127.0.0.1", () =>
  console.error(`listening on 127.0.0.1:${server.address().port}`),
);
