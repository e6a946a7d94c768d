import { ChatError } from "@chat/domain";

// The page token of listMembershipsOfUser: the last chat id of the page.

export function encodeCursor(lastChatId: string): string {
  return Buffer.from(JSON.stringify({ after: lastChatId })).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown } | null;
    if (typeof v?.after === "string") return v.after;
  } catch {
    // reported below
  }
  throw new ChatError("invalid_argument", "page_token is not a token this server issued", { details: { field: "page_token" } });
}
