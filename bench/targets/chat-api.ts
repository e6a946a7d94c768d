// Chats through the real REST API (docs/api.md), as their owner.
const MAX_AT_CREATION = 97; // chatmgmt's limit on members named at creation (others are added)
const ADD_CONCURRENCY = 16;

async function call(url: string, token: string, body: unknown): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function createChat(apiUrl: string, ownerToken: string, title: string, memberIds: string[]): Promise<string> {
  const res = await call(`${apiUrl}/api/v1/chats`, ownerToken, { kind: "CHAT_KIND_GROUP", title, memberIds });
  return (res as { chat: { chatId: string } }).chat.chatId;
}

// A chat of many members: created with the first ones, the rest added one request each (as an
// admin would, a few at a time), in order, until all are in or the deadline passes. Returns the
// chat and how many members it has.
export async function createBigChat(apiUrl: string, ownerToken: string, title: string, members: string[], deadlineMs: number): Promise<{ id: string; members: number }> {
  const id = await createChat(apiUrl, ownerToken, title, members.slice(1, 1 + MAX_AT_CREATION));
  const rest = members.slice(1 + MAX_AT_CREATION);
  const deadline = Date.now() + deadlineMs;
  let next = 0;
  let added = 0;
  const lane = async () => {
    while (next < rest.length && Date.now() < deadline) {
      const userId = rest[next++];
      await call(`${apiUrl}/api/v1/chats/${id}/members`, ownerToken, { userId });
      added++;
    }
  };
  await Promise.all(Array.from({ length: ADD_CONCURRENCY }, lane));
  return { id, members: 1 + Math.min(MAX_AT_CREATION, members.length - 1) + added };
}
