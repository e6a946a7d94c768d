import { createHmac, timingSafeEqual } from "node:crypto";
import { ChatError } from "@chat/domain";

const VERSION = "v1";
const TOKEN = /^v1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;

// List page tokens handed to clients: the store's cursor plus an HMAC-SHA256 over the caller
// and the cursor. A token that was altered, forged, or issued to another user is refused as
// invalid_argument before the store sees it, so store cursors never have to be trusted input.
// The key is derived from the service secret (the same on every chatmgmt replica, random per
// all-in-one process), so tokens survive a hop between replicas but not a secret rotation.
export class PageTokens {
  private readonly key: Buffer;

  constructor(serviceSecret: string) {
    this.key = createHmac("sha256", serviceSecret).update("chat page token key v1").digest();
  }

  issue(caller: string, cursor: string | undefined): string {
    if (cursor === undefined) return "";
    const c = Buffer.from(cursor, "utf8").toString("base64url");
    return `${VERSION}.${c}.${this.mac(caller, c)}`;
  }

  // "" means the first page.
  open(caller: string, token: string): string | undefined {
    if (token === "") return undefined;
    const m = TOKEN.exec(token);
    const invalid = () => new ChatError("invalid_argument", "page_token is not a token this server issued to you", { details: { field: "page_token" } });
    if (!m) throw invalid();
    const expected = Buffer.from(this.mac(caller, m[1]), "base64url");
    const got = Buffer.from(m[2], "base64url");
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw invalid();
    return Buffer.from(m[1], "base64url").toString("utf8");
  }

  private mac(caller: string, encodedCursor: string): string {
    return createHmac("sha256", this.key).update(`${caller}\n${encodedCursor}`).digest("base64url");
  }
}
