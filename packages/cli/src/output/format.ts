// How chat events look in a terminal: one line each, stable enough for grep and scripts.
export interface MessageLine {
  seq: bigint;
  senderId: string;
  body: string;
  createdAt?: Date;
}

const time = (d?: Date) => (d ? d.toISOString().slice(11, 19) : "--:--:--");

// "#12 10:32:05 alice: hello"; a multi-line body is indented under its first line.
export function formatMessage(m: MessageLine): string {
  const [first, ...rest] = m.body.split(/\r?\n/);
  return [`#${m.seq} ${time(m.createdAt)} ${m.senderId}: ${safe(first)}`, ...rest.map((l) => `    ${safe(l)}`)].join("\n");
}

export function formatReceipt(r: { userId: string; deliveredSeq: bigint; readSeq: bigint }): string {
  return r.readSeq > 0n ? `* ${r.userId} read up to #${r.readSeq}` : `* ${r.userId} received up to #${r.deliveredSeq}`;
}

export function formatTyping(t: { userId: string; active: boolean }): string {
  return t.active ? `* ${t.userId} is typing…` : `* ${t.userId} stopped typing`;
}

export function formatPresence(p: { userId: string; online: boolean }): string {
  return `* ${p.userId} is ${p.online ? "online" : "offline"}`;
}

export function formatChatRow(c: { chatId: string; direct: boolean; title: string; lastSeq: bigint }): string {
  return `${c.chatId}  ${c.direct ? "direct" : "group "}  ${String(c.lastSeq).padStart(6)}  ${safe(c.title)}`;
}

// Message bodies are other people's text: terminal control sequences are shown, not obeyed.
export function safe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
