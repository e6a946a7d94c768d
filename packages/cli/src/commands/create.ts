import { ChatKind } from "@chat/client/node";
import { CliError, EXIT } from "../exit-codes";
import type { Context } from "../context";
import { api, toCliError } from "../sdk";

export async function runCreate(ctx: Context, o: { title?: string; member: string[]; direct?: boolean }): Promise<void> {
  if (o.direct) {
    if (o.member.length !== 1) throw new CliError(EXIT.usage, "a direct chat needs exactly one --member");
    if (o.title !== undefined) throw new CliError(EXIT.usage, "a direct chat has no --title");
  } else {
    if (o.title === undefined || o.title.trim() === "") throw new CliError(EXIT.usage, "a group chat needs --title (or use --direct)");
    if (o.member.length === 0) throw new CliError(EXIT.usage, "name at least one --member");
  }
  try {
    const res = await api(ctx).createChat({ kind: o.direct ? ChatKind.DIRECT : ChatKind.GROUP, title: o.title ?? "", memberIds: o.member });
    // The id alone on stdout, for scripts: CHAT=$(chat create …)
    ctx.io.out(res.chat!.chatId);
    ctx.io.err(`Created ${o.direct ? "a direct chat" : `"${o.title}"`} with ${res.members.map((m) => m.userId).join(", ")}.`);
  } catch (e) {
    throw toCliError(e, "creating the chat failed");
  }
}
