// Drain leases of the outbox shards. One process owns the embedded store, so a lease is an
// in-memory record: after a restart every lease is free, which is what an expired lease means.
export class OutboxLeases {
  private readonly leases = new Map<number, { owner: string; expiresAtMs: number }>();

  acquire(shard: number, owner: string, ttlMs: number): boolean {
    const now = Date.now();
    const cur = this.leases.get(shard);
    if (cur && cur.owner !== owner && cur.expiresAtMs >= now) return false;
    this.leases.set(shard, { owner, expiresAtMs: now + ttlMs });
    return true;
  }

  release(shard: number, owner: string): void {
    if (this.leases.get(shard)?.owner === owner) this.leases.delete(shard);
  }
}
