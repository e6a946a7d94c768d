import type { ChatBackend, ChatMessage, ChatSummary, ConnectionState } from "../backend";
import { Receipts } from "../state/receipts";
import { Timeline, type ShownMessage } from "../state/timeline";
import { TypingTracker, typingText } from "../state/typing";
import { errorText, h } from "./dom";

const PAGE = 30;
const STATE_TEXT: Record<ConnectionState, string> = { connecting: "connecting…", open: "connected", reconnecting: "reconnecting…", closed: "offline" };

// The logged-in page: chat list and "new chat" on the left, the open chat on the right.
export class ChatApp {
  private readonly chats = new Map<string, ChatSummary>();
  private readonly timelines = new Map<string, Timeline>();
  private readonly receipts = new Map<string, Receipts>();
  private readonly members = new Map<string, string[]>();
  private readonly unread = new Map<string, number>();
  private readonly online = new Set<string>();
  private readonly typing = new TypingTracker();
  private current: string | undefined;
  private loadingOlder = false;

  private readonly stateBadge = h("span", { class: "state connecting", "data-testid": "conn-state" }, STATE_TEXT.connecting);
  private readonly banner = h("div", { class: "banner", "data-testid": "reconnecting", hidden: true }, "Connection lost — reconnecting… Messages you send now are delivered once it is back.");
  private readonly errorBox = h("div", { class: "error", role: "alert", "data-testid": "error", hidden: true });
  private readonly list = h("ul", { "data-testid": "chat-list" });
  private readonly chatPane = h("section", { class: "chat" }, h("p", { class: "empty" }, "Pick a chat or create one."));
  private readonly titleInput = h("input", { placeholder: "title, e.g. lunch", "data-testid": "new-chat-title", maxLength: 200 });
  private readonly membersInput = h("input", { placeholder: "members: bob, carol", "data-testid": "new-chat-members" });
  private readonly createError = h("div", { class: "error", role: "alert", "data-testid": "new-chat-error", hidden: true });
  private readonly messagesEl = h("div", { class: "messages", "data-testid": "messages" });
  private readonly typingEl = h("div", { class: "typing", "data-testid": "typing", "aria-live": "polite" });
  private readonly composer = h("textarea", { placeholder: "Write a message — Enter sends, Shift+Enter for a new line", "data-testid": "composer" });
  private readonly sendError = h("div", { class: "send-error" });
  private readonly membersEl = h("div", { class: "members", "data-testid": "members" });

  constructor(
    private readonly root: HTMLElement,
    private readonly backend: ChatBackend,
    private readonly onLogout: () => void,
    private readonly onExpired: (reason: string) => void,
  ) {}

  async start(): Promise<void> {
    this.root.replaceChildren(
      h(
        "header",
        {},
        h("h1", {}, "chat"),
        this.stateBadge,
        h("span", { "data-testid": "me" }, this.backend.user),
        h("button", { class: "secondary", "data-testid": "logout", onclick: () => this.onLogout() }, "Log out"),
      ),
      this.banner,
      h(
        "div",
        { class: "main" },
        h(
          "aside",
          {},
          h("h2", {}, "Chats"),
          this.list,
          h(
            "form",
            { "data-testid": "new-chat", onsubmit: (e: Event) => (e.preventDefault(), void this.createChat()) },
            h("strong", {}, "New chat"),
            this.titleInput,
            this.membersInput,
            this.createError,
            h("button", { type: "submit", "data-testid": "new-chat-create" }, "Create"),
          ),
        ),
        h("div", { class: "pane" }, this.errorBox, this.chatPane),
      ),
    );
    this.wire();
    // Typing indicators lapse by themselves; refresh the line once a second.
    setInterval(() => this.renderTyping(), 1000);
    await this.reloadChats();
  }

  private wire(): void {
    const b = this.backend;
    b.on("state", (s, detail) => {
      this.stateBadge.className = `state ${s}`;
      this.stateBadge.textContent = STATE_TEXT[s];
      this.banner.hidden = s !== "reconnecting";
      if (s === "closed" && detail) this.showError(detail);
    });
    b.on("message", (m) => this.onMessage(m));
    b.on("receipt", (r) => {
      this.receiptsOf(r.chatId).update(r.userId, r.deliveredSeq, r.readSeq);
      if (r.chatId === this.current) this.renderMessages();
    });
    b.on("presence", (p) => {
      if (p.online) this.online.add(p.userId);
      else this.online.delete(p.userId);
      this.renderMembers();
    });
    b.on("typing", (t) => {
      if (t.userId === b.user) return;
      this.typing.set(t.chatId, t.userId, t.active, Date.now());
      this.renderTyping();
    });
    b.on("membership", () => void this.reloadChats());
    b.on("expired", (reason) => this.onExpired(reason));

    this.composer.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        void this.send();
      }
    });
    this.composer.addEventListener("input", () => {
      if (this.current) this.backend.typing(this.current, this.composer.value.trim() !== "");
    });
    this.messagesEl.addEventListener("scroll", () => {
      if (this.messagesEl.scrollTop < 40) void this.loadOlder();
    });
    document.addEventListener("visibilitychange", () => this.markRead());
  }

  private async reloadChats(): Promise<void> {
    try {
      const chats = await this.backend.listChats();
      for (const c of chats) {
        const known = this.chats.has(c.chatId);
        this.chats.set(c.chatId, c);
        if (!known) this.backend.follow(c.chatId, c.lastSeq);
      }
      this.renderList();
    } catch (e) {
      this.showError(`Could not load your chats: ${errorText(e)}`);
    }
  }

  private async createChat(): Promise<void> {
    const title = this.titleInput.value.trim();
    const members = this.membersInput.value
      .split(/[\s,]+/)
      .map((m) => m.trim())
      .filter(Boolean);
    this.createError.hidden = true;
    try {
      if (!title) throw new Error("Give the chat a title.");
      if (members.length === 0) throw new Error("Add at least one member.");
      const chat = await this.backend.createChat(title, members);
      // Only a success clears the form: on an error the typed text stays for a fix.
      this.titleInput.value = "";
      this.membersInput.value = "";
      if (!this.chats.has(chat.chatId)) {
        this.chats.set(chat.chatId, chat);
        this.backend.follow(chat.chatId, chat.lastSeq);
      }
      this.renderList();
      await this.open(chat.chatId);
    } catch (e) {
      this.createError.textContent = errorText(e);
      this.createError.hidden = false;
    }
  }

  private renderList(): void {
    const items = [...this.chats.values()].map((c) => {
      const n = this.unread.get(c.chatId) ?? 0;
      return h(
        "li",
        { class: c.chatId === this.current ? "active" : "", "data-chat-id": c.chatId, "data-testid": "chat-item", onclick: () => void this.open(c.chatId) },
        h("span", {}, c.title || c.chatId),
        n > 0 ? h("span", { class: "unread", "data-testid": "unread" }, String(n)) : null,
      );
    });
    this.list.replaceChildren(...items);
  }

  private async open(chatId: string): Promise<void> {
    this.current = chatId;
    this.unread.delete(chatId);
    this.loadingOlder = false;
    this.renderList();
    const chat = this.chats.get(chatId)!;
    this.sendError.replaceChildren();
    this.chatPane.replaceChildren(
      h("div", { class: "chat-head" }, h("h2", { "data-testid": "chat-title" }, chat.title || chatId), this.membersEl),
      this.messagesEl,
      this.typingEl,
      this.sendError,
      h("form", { class: "composer", onsubmit: (e: Event) => (e.preventDefault(), void this.send()) }, this.composer, h("button", { type: "submit", "data-testid": "send" }, "Send")),
    );
    this.renderMessages(true);
    this.renderTyping();
    this.composer.focus();
    const timeline = this.timelineOf(chatId);
    try {
      const [page, receipts, members] = await Promise.all([
        timeline.oldestSeq === undefined ? this.backend.history(chatId, chat.lastSeq + 1n, PAGE) : undefined,
        this.backend.receipts(chatId),
        this.backend.members(chatId),
      ]);
      if (this.current !== chatId) return;
      if (page) {
        for (const m of page.messages) timeline.add(m);
        if (!page.hasMore) timeline.reachedStart = true;
      }
      for (const r of receipts) this.receiptsOf(chatId).update(r.userId, r.deliveredSeq, r.readSeq);
      this.members.set(chatId, members);
      this.renderMembers();
      this.renderMessages(true);
      this.markRead();
    } catch (e) {
      this.showError(`Could not open the chat: ${errorText(e)}`);
    }
  }

  // History on scroll: the page before the oldest message shown, keeping the view where it was.
  private async loadOlder(): Promise<void> {
    const chatId = this.current;
    if (!chatId || this.loadingOlder) return;
    const t = this.timelineOf(chatId);
    if (t.reachedStart || t.oldestSeq === undefined) return;
    this.loadingOlder = true;
    try {
      const page = await this.backend.history(chatId, t.oldestSeq, PAGE);
      if (this.current !== chatId) return;
      const before = this.messagesEl.scrollHeight - this.messagesEl.scrollTop;
      for (const m of page.messages) t.add(m);
      if (!page.hasMore || page.messages.length === 0) t.reachedStart = true;
      this.renderMessages();
      this.messagesEl.scrollTop = this.messagesEl.scrollHeight - before;
    } catch (e) {
      this.showError(`Could not load older messages: ${errorText(e)}`);
    } finally {
      this.loadingOlder = false;
    }
  }

  private onMessage(m: ChatMessage): void {
    const t = this.timelineOf(m.chatId);
    if (!t.add(m)) return;
    this.typing.clear(m.chatId, m.senderId);
    const chat = this.chats.get(m.chatId);
    if (chat && m.seq > chat.lastSeq) chat.lastSeq = m.seq;
    if (!chat) void this.reloadChats();
    if (m.chatId === this.current) {
      this.renderMessages();
      this.renderTyping();
      this.markRead();
    } else if (m.senderId !== this.backend.user) {
      this.unread.set(m.chatId, (this.unread.get(m.chatId) ?? 0) + 1);
      this.renderList();
    }
  }

  private async send(): Promise<void> {
    const chatId = this.current;
    const body = this.composer.value.trim();
    if (!chatId || !body) return;
    const t = this.timelineOf(chatId);
    const clientMessageId = crypto.randomUUID();
    let ack: Promise<bigint>;
    try {
      ack = this.backend.send(chatId, clientMessageId, body);
    } catch (e) {
      // Refused before sending (too long, say): the text stays in the composer.
      this.showSendError(errorText(e));
      return;
    }
    this.sendError.replaceChildren();
    this.composer.value = "";
    this.backend.typing(chatId, false);
    t.addPending(clientMessageId, this.backend.user, body);
    this.renderMessages(true);
    try {
      await ack;
    } catch (e) {
      t.fail(clientMessageId, errorText(e));
      // Put the text back so it can be fixed and resent, unless something new was typed.
      if (this.current === chatId && this.composer.value === "") this.composer.value = body;
      this.showSendError(`Not sent: ${errorText(e)}`);
    }
    if (this.current === chatId) this.renderMessages();
  }

  private markRead(): void {
    const chatId = this.current;
    if (!chatId || document.visibilityState !== "visible") return;
    const last = this.timelineOf(chatId).lastSeq;
    if (last > 0n) this.backend.markRead(chatId, last);
  }

  private renderMessages(toBottom = false): void {
    const chatId = this.current;
    if (!chatId) return;
    const el = this.messagesEl;
    const atBottom = toBottom || el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    const t = this.timelineOf(chatId);
    const receipts = this.receiptsOf(chatId);
    const me = this.backend.user;
    const rows: HTMLElement[] = [];
    rows.push(h("div", { class: "older", "data-testid": "history-state" }, t.reachedStart ? "Start of the chat" : "Scroll up for older messages"));
    for (const m of t.list()) rows.push(this.renderMessage(m, me, receipts));
    el.replaceChildren(...rows);
    if (atBottom) el.scrollTop = el.scrollHeight;
  }

  private renderMessage(m: ShownMessage, me: string, receipts: Receipts): HTMLElement {
    const mine = m.senderId === me;
    let status: string | undefined;
    if (mine) {
      if (m.status === "pending") status = "sending…";
      else if (m.status === "failed") status = `not sent: ${m.error}`;
      else {
        const readers = receipts.readers(m.seq!, me);
        status = readers.length ? `✓✓ read by ${readers.join(", ")}` : receipts.deliveredTo(m.seq!, me).length ? "✓✓ delivered" : "✓ sent";
      }
    }
    return h(
      "div",
      { class: `msg${mine ? " mine" : ""}${m.status === "failed" ? " failed" : ""}`, "data-testid": "message", "data-seq": m.seq?.toString(), "data-status": m.status },
      mine ? null : h("div", { class: "who" }, m.senderId),
      h("div", { class: "body" }, m.body),
      status ? h("div", { class: "status", "data-testid": "msg-status" }, status) : null,
      m.status === "failed"
        ? h("button", { class: "secondary", "data-testid": "dismiss", onclick: () => (this.timelineOf(this.current!).dismiss(m.clientMessageId), this.renderMessages()) }, "Dismiss")
        : null,
    );
  }

  private renderTyping(): void {
    this.typingEl.textContent = this.current ? typingText(this.typing.active(this.current, Date.now())) : "";
  }

  private renderMembers(): void {
    if (!this.current) return;
    const members = this.members.get(this.current) ?? [];
    this.membersEl.replaceChildren(
      ...members.map((u) => {
        const on = u === this.backend.user || this.online.has(u);
        return h("span", { class: `member${on ? " online" : ""}`, "data-testid": "member", "data-user": u, "data-online": on ? "true" : "false", title: on ? "online" : "offline" }, u);
      }),
    );
  }

  private showSendError(text: string): void {
    this.sendError.replaceChildren(h("div", { class: "error", role: "alert", "data-testid": "send-error" }, text));
  }

  private showError(text: string): void {
    this.errorBox.textContent = text;
    this.errorBox.hidden = false;
    setTimeout(() => {
      if (this.errorBox.textContent === text) this.errorBox.hidden = true;
    }, 8000);
  }

  private timelineOf(chatId: string): Timeline {
    let t = this.timelines.get(chatId);
    if (!t) this.timelines.set(chatId, (t = new Timeline()));
    return t;
  }

  private receiptsOf(chatId: string): Receipts {
    let r = this.receipts.get(chatId);
    if (!r) this.receipts.set(chatId, (r = new Receipts()));
    return r;
  }
}
