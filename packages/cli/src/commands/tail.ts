import { PresenceStatus, type ChatClient } from "@chat/client/node";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { formatMessage, formatPresence, formatReceipt, formatTyping } from "../output/format";
import type { Context } from "../context";
import { connectOnce, openClient, toCliError } from "../sdk";

const CONNECT_TIMEOUT_MS = 15_000;

// History first (the last --history messages), then live: new messages, other members'
// receipts, typing and presence, until ctrl-c. The SDK resumes after a reconnect, so nothing is
// printed twice or skipped.
export async function runTail(ctx: Context, chatId: string, o: { history: number; read?: boolean; follow: boolean }): Promise<void> {
  const client = openClient(ctx);
  const me = ctx.tokens.session().user;
  try {
    const { chat } = await client.api.getChat({ chatId }).catch((e) => {
      throw toCliError(e, `cannot open chat ${chatId}`);
    });
    const lastSeq = chat!.lastSeq;
    let shown = 0n;
    if (o.history > 0 && lastSeq > 0n) {
      const page = await client.api.getMessageHistory({ chatId, beforeSeq: lastSeq + 1n, limit: o.history }).catch((e) => {
        throw toCliError(e, "reading the history failed");
      });
      for (const m of page.messages) {
        ctx.io.out(formatMessage({ ...m, createdAt: m.createdAt && timestampDate(m.createdAt) }));
        if (m.seq > shown) shown = m.seq;
      }
    }
    if (!o.follow) {
      if (o.read && shown > 0n) await client.markRead(chatId, shown).catch(() => undefined);
      return;
    }
    const members = new Set((await client.api.listMembers({ chatId })).members.map((m) => m.userId));
    follow(ctx, client, chatId, me, members, o.read === true);
    client.trackChat(chatId, lastSeq);
    await connectOnce(client, CONNECT_TIMEOUT_MS);
    if (o.read && shown > 0n) client.markRead(chatId, shown).catch(() => undefined);
    ctx.io.err(`Following ${chat!.title || chatId} as ${me}; ctrl-c to stop.`);
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true })));
  } catch (e) {
    throw toCliError(e, "tail failed");
  } finally {
    await client.close();
  }
}

function follow(ctx: Context, client: ChatClient, chatId: string, me: string, members: Set<string>, markRead: boolean): void {
  client.on("message", (m) => {
    if (m.chatId !== chatId) return;
    ctx.io.out(formatMessage({ ...m, createdAt: m.createdAt && timestampDate(m.createdAt) }));
    if (markRead) client.markRead(chatId, m.seq).catch(() => undefined);
  });
  client.on("receipt", (r) => {
    if (r.chatId === chatId && r.userId !== me) ctx.io.out(formatReceipt(r));
  });
  client.on("typing", (t) => {
    if (t.chatId === chatId && t.userId !== me) ctx.io.out(formatTyping(t));
  });
  client.on("presence", (p) => {
    if (members.has(p.userId) && p.userId !== me) ctx.io.out(formatPresence({ userId: p.userId, online: p.status === PresenceStatus.ONLINE }));
  });
  client.on("membership", (m) => {
    if (m.chatId === chatId) members.add(m.userId);
  });
  client.on("state", (s) => {
    if (s.state === "reconnecting") ctx.io.err(`(connection lost: ${s.reason || s.code}; reconnecting in ${Math.round((s.delayMs ?? 0) / 100) / 10} s)`);
    if (s.state === "open") ctx.io.err("(connected)");
  });
  client.on("error", (e) => ctx.io.err(`(${e.code}: ${e.message})`));
}
