// The Socket.IO tutorial's chat server in its last form ("server delivery"): each `chat message`
// is kept with an id (in memory here, in SQLite there), a client offset it came with is never
// taken twice, everyone gets it with its id, and a client that connects is sent every message
// after the `serverOffset` it gives (all of them when it gives none).
// Usage: node socketio-delivery.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import { createServer } from "node:http";
import { Server } from "socket.io";

const server = createServer();
const io = new Server(server, { connectionStateRecovery: {} });
const messages = [];
const clientOffsets = new Set();
io.on("connection", (socket) => {
  socket.on("chat message", (msg, clientOffset, callback) => {
    if (clientOffset !== undefined && clientOffsets.has(clientOffset)) {
      if (typeof callback === "function") callback();
      return;
    }
    if (clientOffset !== undefined) clientOffsets.add(clientOffset);
    const id = messages.push(msg);
    io.emit("chat message", msg, id);
    if (typeof callback === "function") callback();
  });
  if (!socket.recovered) {
    const after = Number(socket.handshake.auth.serverOffset) || 0;
    console.error(`connection with serverOffset ${socket.handshake.auth.serverOffset ?? "none"}`);
    messages.forEach((msg, i) => i + 1 > after && socket.emit("chat message", msg, i + 1));
  }
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () =>
  console.error(`listening on 127.0.0.1:${server.address().port}`),
);
