// The Socket.IO tutorial's chat server: `chat message` events go to everyone, sender included.
// Usage: node socketio-tutorial.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import { createServer } from "node:http";
import { Server } from "socket.io";

const server = createServer();
const io = new Server(server);
io.on("connection", (socket) => {
  socket.on("chat message", (msg) => io.emit("chat message", msg));
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () =>
  console.error(`listening on 127.0.0.1:${server.address().port}`),
);
