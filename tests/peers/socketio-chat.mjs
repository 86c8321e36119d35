// The Socket.IO chat example's server: `add user` logs in, `new message` goes to everyone but
// the sender, and joins, leaves and typing are announced with the number of users.
// Usage: node socketio-chat.mjs PORT   (prints "listening on 127.0.0.1:PORT")
import { createServer } from "node:http";
import { Server } from "socket.io";

const server = createServer();
const io = new Server(server);
let numUsers = 0;
io.on("connection", (socket) => {
  let addedUser = false;
  socket.on("new message", (data) => {
    socket.broadcast.emit("new message", { username: socket.username, message: data });
  });
  socket.on("add user", (username) => {
    if (addedUser) return;
    socket.username = username;
    ++numUsers;
    addedUser = true;
    socket.emit("login", { numUsers });
    socket.broadcast.emit("user joined", { username: socket.username, numUsers });
  });
  socket.on("typing", () => socket.broadcast.emit("typing", { username: socket.username }));
  socket.on("stop typing", () => socket.broadcast.emit("stop typing", { username: socket.username }));
  socket.on("disconnect", () => {
    if (addedUser) {
      --numUsers;
      socket.broadcast.emit("user left", { username: socket.username, numUsers });
    }
  });
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () =>
  console.error(`listening on 127.0.0.1:${server.address().port}`),
);
