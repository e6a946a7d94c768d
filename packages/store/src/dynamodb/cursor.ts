import { ChatError } from "@chat/domain";

// Page cursors of listMembershipsOfUser: base64url of the JSON of the DynamoDB key to start
// after ({chat_id: {S}, user_id: {S}}, the shape of LastEvaluatedKey on the by_user index).
// Cursors come back from clients, so decoding checks the exact shape and that the cursor
// belongs to the user being listed; anything else is invalid_argument, never a DynamoDB error.

export interface MembershipKey {
  chat_id: string;
  user_id: string;
}

export function encodeMembershipCursor(key: MembershipKey): string {
  return Buffer.from(JSON.stringify({ chat_id: { S: key.chat_id }, user_id: { S: key.user_id } })).toString("base64url");
}

function stringAttr(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const keys = Object.keys(v);
  const s = (v as { S?: unknown }).S;
  return keys.length === 1 && typeof s === "string" && s.length > 0 ? s : undefined;
}

export function decodeMembershipCursor(cursor: string, userId: string): MembershipKey {
  const invalid = () => new ChatError("invalid_argument", "cursor is not valid for this listing", { details: { field: "cursor" } });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || Object.keys(parsed).length !== 2) throw invalid();
  const { chat_id, user_id } = parsed as Record<string, unknown>;
  const key = { chat_id: stringAttr(chat_id), user_id: stringAttr(user_id) };
  if (!key.chat_id || key.user_id !== userId) throw invalid();
  return { chat_id: key.chat_id, user_id: key.user_id };
}
