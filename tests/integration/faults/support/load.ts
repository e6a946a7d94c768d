import { ChatClient } from "../../../support/chat-client";
import { SendFailedError } from "../../../support/send-with-retry";
import type { Deployment } from "./deployment";

export interface SentRecord {
  chatId: string;
  sender: string;
  clientMessageId: string;
  body: string;
  firstAttemptAt: number;
  ackedAt?: number;
  seq?: number;
  messageId?: string;
  // Set when the client gave up (its retry deadline passed, or a final error).
  failed?: string;
}

export interface LoadShape {
  users: number;
  chats: number;
  membersPerChat: number;
  // Mean pause between one user's sends (each user has one send in flight at a time).
  sendIntervalMs: number;
}

export interface LoadChat {
  chatId: string;
  members: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A steady load from concurrent clients spread over both gateways: every user sends to its
// chats in turn, one send at a time, retrying as a client does; every client keeps its chats'
// views complete (live pushes, sync on gaps and on reconnect).
export class Load {
  readonly clients: ChatClient[] = [];
  readonly chats: LoadChat[] = [];
  readonly sent: SentRecord[] = [];
  readonly errors = new Map<string, number>();
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly dep: Deployment,
    private readonly name: string,
    readonly shape: LoadShape,
  ) {}

  private count(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  // Users u0..uN, chats with consecutive members (wrapping), so every user is in
  // chats*members/users chats and every chat has members on both gateways.
  async setup(): Promise<void> {
    const users = Array.from({ length: this.shape.users }, (_, i) => `${this.name}-u${i}`);
    for (let c = 0; c < this.shape.chats; c++) {
      const start = Math.floor((c * this.shape.users) / this.shape.chats);
      const members = Array.from({ length: this.shape.membersPerChat }, (_, k) => users[(start + k) % users.length]);
      const chatId = await this.dep.createGroup(members[0], members.slice(1), `${this.name}-${c}`);
      this.chats.push({ chatId, members });
    }
    for (const [i, user] of users.entries()) {
      const chats = this.chats.filter((c) => c.members.includes(user)).map((c) => c.chatId);
      // Alternate gateways; the other one is the failover target.
      const urls = i % 2 === 0 ? this.dep.gatewayUrls : [...this.dep.gatewayUrls].reverse();
      const token = await this.dep.cluster.token(user);
      this.clients.push(new ChatClient({ user, urls, token: async () => token, chats, onRetry: (code) => this.count(code) }));
    }
    await Promise.all(this.clients.map((c) => c.start()));
  }

  start(): void {
    this.running = true;
    this.loops = this.clients.map((c, i) => this.userLoop(c, i));
  }

  private async userLoop(client: ChatClient, index: number): Promise<void> {
    const chats = this.chats.filter((c) => c.members.includes(client.user));
    // Spread the first sends over one interval so users do not send in lockstep.
    await sleep(Math.random() * this.shape.sendIntervalMs);
    for (let n = 0; this.running; n++) {
      const chat = chats[n % chats.length];
      const rec: SentRecord = { chatId: chat.chatId, sender: client.user, clientMessageId: `${this.name}-${index}-${n}`, body: `message ${n} from ${client.user}`, firstAttemptAt: Date.now() };
      this.sent.push(rec);
      try {
        const ack = await client.send(chat.chatId, rec.clientMessageId, rec.body, { deadlineMs: 90_000 });
        rec.ackedAt = Date.now();
        rec.seq = Number(ack.seq);
        rec.messageId = ack.messageId;
      } catch (e) {
        rec.failed = e instanceof SendFailedError ? e.code : String(e);
        this.count(`gave_up:${rec.failed}`);
      }
      await sleep(this.shape.sendIntervalMs * (0.5 + Math.random()));
    }
  }

  // Stops new sends and waits for the ones in flight to be acknowledged or given up.
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  acked(): SentRecord[] {
    return this.sent.filter((r) => r.seq !== undefined);
  }

  // When live delivery was back after `since`: for every chat, the earliest moment a message
  // first sent after `since` had been pushed live to every member; the latest of those over the
  // chats. undefined while some chat has no such message yet.
  liveDeliveryBackAt(since: number): number | undefined {
    let latest = since;
    for (const chat of this.chats) {
      const members = this.clients.filter((c) => chat.members.includes(c.user));
      let best: number | undefined;
      for (const r of this.sent) {
        if (r.chatId !== chat.chatId || r.seq === undefined || r.firstAttemptAt < since) continue;
        let at = 0;
        for (const m of members) {
          const a = m.views.get(chat.chatId)?.get(r.seq);
          if (!a || a.via !== "live") {
            at = -1;
            break;
          }
          at = Math.max(at, a.at);
        }
        if (at >= 0 && (best === undefined || at < best)) best = at;
      }
      if (best === undefined) return undefined;
      latest = Math.max(latest, best);
    }
    return latest;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
