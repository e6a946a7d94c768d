import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";

// One development OIDC issuer for the whole bench run (the one the tests use): all-in-one and
// the distributed services trust it, and the bench mints users' access tokens with its key
// in-process, so minting costs no server CPU. Tokens are cached per user.
export class Tokens {
  private readonly cache = new Map<string, Promise<string>>();

  private constructor(private readonly dev: DevIssuer) {}

  static async start(): Promise<Tokens> {
    return new Tokens(await startDevIssuer({ host: "127.0.0.1", port: 0, audience: "chat-api" }));
  }

  get issuer(): string {
    return this.dev.issuer;
  }

  token(user: string): Promise<string> {
    let t = this.cache.get(user);
    // Long enough for the longest bench run.
    if (!t) this.cache.set(user, (t = this.dev.mintAccessToken(user, { expiresInSec: 6 * 3600 })));
    return t;
  }

  close(): Promise<void> {
    return this.dev.close();
  }
}
