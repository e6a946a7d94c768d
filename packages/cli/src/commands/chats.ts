import { ChatKind } from "@chat/client/node";
import { formatChatRow } from "../output/format";
import type { Context } from "../context";
import { api, toCliError } from "../sdk";

export async function runChats(ctx: Context, o: { json?: boolean }): Promise<void> {
  const client = api(ctx);
  let pageToken = "";
  let count = 0;
  try {
    do {
      const res = await client.listMyChats({ pageSize: 100, pageToken });
      for (const c of res.chats) {
        const row = { chatId: c.chatId, direct: c.kind === ChatKind.DIRECT, title: c.title, lastSeq: c.lastSeq };
        ctx.io.out(o.json ? JSON.stringify({ ...row, lastSeq: String(row.lastSeq) }) : formatChatRow(row));
        count++;
      }
      pageToken = res.nextPageToken;
    } while (pageToken);
  } catch (e) {
    throw toCliError(e, "listing chats failed");
  }
  if (count === 0 && !o.json) ctx.io.err("No chats yet. Create one: chat create --title lunch --member bob");
}
