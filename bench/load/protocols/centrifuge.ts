import { closeSocket, openSocket } from "./open-socket";
import type { Connect } from "./protocol";

// Centrifuge's JSON protocol (bench/peers/centrifuge/README.md): connect with the user in the
// connect data, subscribe to each group's channel, publish; pushes carry the channel offset
// (the per-channel sequence). Replies, pushes and commands in one frame are newline-separated.
export const connectCentrifuge: Connect = async (url, spec, events) => {
  let nextId = 1;
  const waiting = new Map<number, (reply: any) => void>();
  // Publish command id -> our message id, for the ack.
  const publishes = new Map<number, string>();
  const ws = await openSocket(`${url}/connection/websocket`, (text) => {
    for (const line of text.split("\n")) {
      if (!line) continue;
      const f = JSON.parse(line);
      if (f.push) {
        const pub = f.push.pub;
        if (pub) events.onDelivery(spec.user, f.push.channel, pub.data.id, Number(pub.offset));
      } else if (f.id !== undefined) {
        const msgId = publishes.get(f.id);
        if (msgId !== undefined) {
          publishes.delete(f.id);
          if (f.error) events.onError(msgId, `centrifuge_${f.error.code}`);
          else events.onAck(msgId, undefined);
        } else waiting.get(f.id)?.(f);
      } else if (Object.keys(f).length === 0) ws.send("{}"); // server ping
    }
  });
  ws.once("close", () => {
    for (const w of waiting.values()) w({ error: { code: "closed" } });
  });
  const request = (cmd: Record<string, unknown>) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (reply) => {
        waiting.delete(id);
        if (reply.error) reject(new Error(`centrifuge error ${JSON.stringify(reply.error)}`));
        else resolve(reply);
      });
      ws.send(JSON.stringify({ id, ...cmd }));
    });
  await request({ connect: { data: { user: spec.user } } });
  await Promise.all(spec.groups.map((channel) => request({ subscribe: { channel, recover: false } })));
  return {
    user: spec.user,
    send(group, id) {
      if (ws.readyState !== ws.OPEN) return;
      const cmdId = nextId++;
      publishes.set(cmdId, id);
      ws.send(`{"id":${cmdId},"publish":{"channel":"${group}","data":{"id":"${id}"}}}`);
    },
    close: () => closeSocket(ws),
  };
};
