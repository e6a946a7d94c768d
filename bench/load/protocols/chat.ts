import type WebSocket from "ws";
import { closeSocket, openSocket } from "./open-socket";
import type { Conn, Connect } from "./protocol";

const HELLO_TIMEOUT_MS = 30_000;

// Our WebSocket protocol v1 (docs/protocol.md): token in the URL, `hello` once authenticated,
// `sendMessage` answered by `messageAck` (or `error`), pushes as `message` frames. Chat
// membership is the server's, so `groups` needs no join.
export const connectChat: Connect = async (url, spec, events) => {
  const pending = new Map<string, (f: any) => void>();
  let syncs = 0;
  let helloSeen: () => void = () => undefined;
  const hello = new Promise<void>((resolve) => (helloSeen = resolve));
  const onMessage = (text: string) => {
    const f = JSON.parse(text);
    if (f.message) events.onDelivery(spec.user, f.message.chatId, f.message.clientMessageId, Number(f.message.seq));
    else if (f.messageAck) events.onAck(f.messageAck.clientMessageId, Number(f.messageAck.seq));
    else if (f.error) {
      if (f.replyTo && pending.has(f.replyTo)) pending.get(f.replyTo)!(f);
      else events.onError(f.error.clientMessageId, f.error.code);
    } else if (f.syncResult) pending.get(f.replyTo)?.(f);
    else if (f.hello) helloSeen();
  };
  const ws = await openSocket(`${url}?access_token=${encodeURIComponent(spec.token ?? "")}`, onMessage);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no hello within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS);
      ws.once("close", (code, reason) => reject(new Error(`closed before hello: ${code} ${reason.toString()}`)));
      void hello.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (e) {
    ws.terminate();
    throw e;
  }
  const conn: Conn = {
    user: spec.user,
    send(group, id) {
      send(ws, `{"requestId":"${id}","sendMessage":{"chatId":"${group}","clientMessageId":"${id}","body":"${id}"}}`);
    },
    async stored(group, seq) {
      const requestId = `sync${++syncs}`;
      const reply = await new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("sync timed out")), 10_000);
        pending.set(requestId, (f) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(f);
        });
        send(ws, JSON.stringify({ requestId, sync: { chatId: group, afterSeq: String(seq - 1), limit: 1 } }));
      });
      const m = reply.syncResult?.messages?.[0];
      return m && Number(m.seq) === seq ? m.clientMessageId : undefined;
    },
    close: () => closeSocket(ws),
  };
  return conn;
};

function send(ws: WebSocket, text: string): void {
  if (ws.readyState === ws.OPEN) ws.send(text);
}
