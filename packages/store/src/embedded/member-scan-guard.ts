// Tells whether a scan of a chat's member rows can be trusted to show every member write that
// was decided before it ended. LevelDB shows a write to a range scan only once it is durable,
// while a write is decided (staged, and visible to get()) earlier: a scan that started while a
// member write of its chat was between staged and durable, or during which one was staged,
// may show the old rows. Such a scan's result may be returned but must not be kept. One guard
// serves the member lists and the member counts (both are kept from scans and then moved by
// the writes themselves), per chat: a write to one chat disturbs no scan of another.
interface Scan {
  disturbed: boolean;
}

export class MemberScanGuard {
  // Member writes staged and not yet durable (or failed), per chat.
  private readonly inFlight = new Map<string, number>();
  // Scans running, per chat.
  private readonly scans = new Map<string, Set<Scan>>();

  async scan<T>(chatId: string, run: () => Promise<T>): Promise<{ value: T; trusted: boolean }> {
    const quiet = !this.inFlight.has(chatId);
    const mine: Scan = { disturbed: false };
    const running = this.scans.get(chatId) ?? new Set<Scan>();
    this.scans.set(chatId, running.add(mine));
    try {
      const value = await run();
      return { value, trusted: quiet && !mine.disturbed };
    } finally {
      running.delete(mine);
      if (running.size === 0 && this.scans.get(chatId) === running) this.scans.delete(chatId);
    }
  }

  // A member write of `chatId` is being staged; call the answer once it is durable or failed.
  begin(chatId: string): () => void {
    this.inFlight.set(chatId, (this.inFlight.get(chatId) ?? 0) + 1);
    for (const s of this.scans.get(chatId) ?? []) s.disturbed = true;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.inFlight.get(chatId) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(chatId);
      else this.inFlight.set(chatId, left);
    };
  }
}
