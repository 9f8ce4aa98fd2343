/**
 * Opaque list cursors: the repository's page key, bound to the user and the query that produced it and
 * signed with HMAC-SHA256. A changed byte, another user's cursor or a cursor from another query is refused.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { DomainError } from "./errors.js";
import type { PageKey } from "./ports.js";

export class InvalidCursorError extends DomainError {
  readonly code = "invalid_cursor";
  constructor() {
    super("The cursor is not valid for this query; start again without it");
  }
}

export class CursorCodec {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error("The cursor secret must be at least 32 characters");
  }

  private mac(payload: string): Buffer {
    return createHmac("sha256", this.secret).update(payload).digest();
  }

  /** `binding` is everything the page depends on: user id and every query parameter but the cursor. */
  encode(key: PageKey, binding: string): string {
    const payload = Buffer.from(JSON.stringify({ k: key, b: binding })).toString("base64url");
    return `${payload}.${this.mac(payload).toString("base64url")}`;
  }

  decode(cursor: string, binding: string): PageKey {
    const [payload, signature, extra] = cursor.split(".");
    if (!payload || !signature || extra !== undefined || cursor.length > 2048) throw new InvalidCursorError();
    const expected = this.mac(payload);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
    let parsed: { k?: unknown; b?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw new InvalidCursorError();
    }
    if (parsed.b !== binding || typeof parsed.k !== "object" || parsed.k === null)
      throw new InvalidCursorError();
    return parsed.k as PageKey;
  }
}
