// Health of one dependency as seen by this process. Each change is logged once at warn (down
// with the first error, up again on the first success), never once per failing request.
export class DependencyHealth {
  private healthy = true;

  constructor(
    private readonly name: string,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  get isHealthy(): boolean {
    return this.healthy;
  }

  ok(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.log.warn({ dependency: this.name, health: "up" }, `${this.name} is reachable again`);
  }

  failed(err: unknown): void {
    if (!this.healthy) return;
    this.healthy = false;
    this.log.warn({ dependency: this.name, health: "down", err }, `${this.name} is failing`);
  }
}
