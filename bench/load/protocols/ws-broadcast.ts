import { closeSocket, openSocket } from "./open-socket";
import type { Connect } from "./protocol";

// The bare ws broadcast server (bench/peers/ws-broadcast): join groups, a send is numbered per
// group, broadcast to the group (sender included, as our gateway does) and acknowledged.
export const connectWsBroadcast: Connect = async (url, spec, events) => {
  let joined = 0;
  let allJoined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (allJoined = resolve));
  const ws = await openSocket(`${url}?user=${encodeURIComponent(spec.user)}`, (text) => {
    const f = JSON.parse(text);
    if (f.msg) events.onDelivery(spec.user, f.msg.group, f.msg.id, f.msg.seq);
    else if (f.ack) events.onAck(f.ack.id, f.ack.seq);
    else if (f.joined && ++joined === spec.groups.length) allJoined();
  });
  for (const g of spec.groups) ws.send(JSON.stringify({ join: g }));
  if (spec.groups.length > 0) {
    await new Promise<void>((resolve, reject) => {
      ws.once("close", () => reject(new Error("closed before joining")));
      void ready.then(resolve);
    });
  }
  return {
    user: spec.user,
    send(group, id) {
      if (ws.readyState === ws.OPEN) ws.send(`{"send":{"group":"${group}","id":"${id}"}}`);
    },
    close: () => closeSocket(ws),
  };
};
