import { createChatClient, type ChatClient, type ChatClientOptions, type Message } from "@chat/client/node";
import type { Harness } from "./all-in-one-harness";

// Polls a condition instead of sleeping: the machine may be slow, the answer is not.
export async function eventually<T>(probe: () => T | undefined | false, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SdkUser {
  client: ChatClient;
  // Every `message` event in emission order.
  messages: Message[];
  states: string[];
  tokenCalls: string[];
  of(chatId: string): Message[];
}

// An SDK client for `user` against the harness, recording what it emits.
export function sdkClient(h: Harness, user: string, opts: Partial<ChatClientOptions> & { token?: ChatClientOptions["token"] } = {}): SdkUser {
  const tokenCalls: string[] = [];
  const provider = opts.token ?? (() => h.token(user));
  const client = createChatClient({
    url: h.wsUrl,
    apiUrl: h.apiUrl,
    backoff: { initialDelayMs: 50, maxDelayMs: 1000 },
    ...opts,
    token: async (ctx) => {
      tokenCalls.push(ctx.reason);
      return provider(ctx);
    },
  });
  const messages: Message[] = [];
  const states: string[] = [];
  client.on("message", (m) => messages.push(m));
  client.on("state", (s) => states.push(s.state));
  return { client, messages, states, tokenCalls, of: (chatId) => messages.filter((m) => m.chatId === chatId) };
}
