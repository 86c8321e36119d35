// A plain-text broadcast server on the npm `ws` package, as its README shows one:
// every text message goes to every connected client, the sender included.
// Usage: node ws-broadcast.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import { WebSocketServer, WebSocket } from "ws";

const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] || 0) });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on("listening", () => console.error(`listening on 127.0.0.1:${wss.address().port}`));
