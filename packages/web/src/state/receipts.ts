// Read and delivered positions of the other members of one chat, for "read by …" under the
// user's own messages.
export class Receipts {
  private readonly read = new Map<string, bigint>();
  private readonly delivered = new Map<string, bigint>();

  update(userId: string, deliveredSeq: bigint, readSeq: bigint): void {
    if (deliveredSeq > (this.delivered.get(userId) ?? 0n)) this.delivered.set(userId, deliveredSeq);
    if (readSeq > (this.read.get(userId) ?? 0n)) this.read.set(userId, readSeq);
  }

  readers(seq: bigint, except: string): string[] {
    return [...this.read].filter(([u, s]) => u !== except && s >= seq).map(([u]) => u).sort();
  }

  deliveredTo(seq: bigint, except: string): string[] {
    return [...this.delivered].filter(([u, s]) => u !== except && s >= seq).map(([u]) => u).sort();
  }
}
