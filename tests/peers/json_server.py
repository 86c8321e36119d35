"""A JSON chat server on Python's `websockets`, with field names unlike wschat's own.

Clients send {"username": ..., "body": ...}; everyone (the sender included) receives
{"type": "message", "sender": {"name": ...}, "content": ..., "timestamp": <seconds>}, and
{"event": "join", "user": ...} when someone says their first word.
Usage: python3 json_server.py PORT   (prints "listening on 127.0.0.1:PORT")
"""

import asyncio
import json
import sys
import time

from websockets.asyncio.server import broadcast, serve

CLIENTS = set()


async def chat(ws):
    CLIENTS.add(ws)
    seen = False
    try:
        async for raw in ws:
            try:
                incoming = json.loads(raw)
                name, body = str(incoming["username"]), str(incoming["body"])
            except (ValueError, KeyError, TypeError):
                await ws.send(json.dumps({"error": "send {\"username\": ..., \"body\": ...}"}))
                continue
            if not seen:
                seen = True
                broadcast(CLIENTS, json.dumps({"event": "join", "user": name}))
            out = {"type": "message", "sender": {"name": name}, "content": body, "timestamp": int(time.time())}
            broadcast(CLIENTS, json.dumps(out))
    finally:
        CLIENTS.discard(ws)


async def main(port):
    async with serve(chat, "127.0.0.1", port) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{bound}", file=sys.stderr, flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
