// A clientMessageId: random, URL-safe, inside the server's id alphabet. crypto.randomUUID is
// missing in browsers on insecure origins, getRandomValues is not.
export function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `m-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
