// Creates a group chat through the real REST API (docs/api.md), as the owner.
export async function createChat(apiUrl: string, ownerToken: string, title: string, memberIds: string[]): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/chats`, {
    method: "POST",
    headers: { authorization: `Bearer ${ownerToken}`, "content-type": "application/json" },
    body: JSON.stringify({ kind: "CHAT_KIND_GROUP", title, memberIds }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`create chat ${title}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { chat: { chatId: string } }).chat.chatId;
}
