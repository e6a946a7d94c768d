// The Node ceiling for `make bench`: the least a broadcast server on `ws` does for the bench's
// load. A client joins groups ({"join":"g1"} → {"joined":"g1"}); a send
// ({"send":{"group":"g1","id":"x"}}) is numbered per group, broadcast to every member as one
// frame encoded once ({"msg":{"group":"g1","id":"x","seq":N}}, the sender included, as our
// gateway does) and acknowledged ({"ack":{"id":"x","seq":N}}). No auth, no storage.
// Usage: node server.mjs [port]; prints "LISTENING <port>".
import { WebSocketServer } from "ws";

const groups = new Map(); // name -> { seq, members: Set<WebSocket> }
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0), perMessageDeflate: false });

wss.on("connection", (ws) => {
  const mine = new Set();
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.send) {
      const g = groups.get(f.send.group);
      if (!g) return;
      const seq = ++g.seq;
      const frame = JSON.stringify({ msg: { group: f.send.group, id: f.send.id, seq } });
      for (const m of g.members) m.send(frame);
      ws.send(JSON.stringify({ ack: { id: f.send.id, seq } }));
    } else if (f.join) {
      let g = groups.get(f.join);
      if (!g) groups.set(f.join, (g = { seq: 0, members: new Set() }));
      g.members.add(ws);
      mine.add(g);
      ws.send(JSON.stringify({ joined: f.join }));
    }
  });
  ws.on("close", () => {
    for (const g of mine) g.members.delete(ws);
  });
});

wss.on("listening", () => process.stdout.write(`LISTENING ${wss.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
