// A Socket.IO chat server that acknowledges instead of echoing: each `chat message` goes to
// everyone but its sender, and the sender's acknowledgement callback is called once it has.
// Usage: node socketio-acks.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import { createServer } from "node:http";
import { Server } from "socket.io";

const server = createServer();
const io = new Server(server);
io.on("connection", (socket) => {
  socket.on("chat message", (msg, ...rest) => {
    socket.broadcast.emit("chat message", msg);
    const callback = rest.find((arg) => typeof arg === "function");
    if (callback) callback();
  });
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () =>
  console.error(`listening on 127.0.0.1:${server.address().port}`),
);
