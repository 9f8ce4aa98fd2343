/**
 * The local stack's token issuer: an ES256 key pair made on first use and kept in `.picstack/`, with the
 * issuer and audience its tokens carry. Its public half is handed to the functions as an inline JWKS;
 * `npm run token` signs with the private half, and so does the CLI, which reads the key, the issuer and
 * the audience from the same file. Tokens from it are worthless anywhere else.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { USER_ID_PATTERN } from "@picstack/core";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { picstackHome } from "./paths.js";

export const DEV_ISSUER = "https://picstack.local/dev-issuer";
export const DEV_AUDIENCE = "picstack-local";
const ALG = "ES256";

/** `dev-issuer/key.json`, which the CLI reads too (packages/cli/src/connection.ts). */
interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  issuer: string;
  audience: string;
}

const keyFile = (home: string) => join(home, "dev-issuer", "key.json");

async function store(file: string, stored: StoredKey): Promise<StoredKey> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return stored;
}

export async function loadOrCreateDevKey(home = picstackHome()): Promise<StoredKey> {
  const file = keyFile(home);
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, "utf8")) as StoredKey;
    if (stored.issuer === DEV_ISSUER && stored.audience === DEV_AUDIENCE) return stored;
    // A key file written before it named the issuer: same key, so tokens already out stay valid.
    return store(file, { ...stored, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
  }
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `dev-${Date.now().toString(36)}`;
  return store(file, {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" },
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
  });
}

/** The JWKS the functions verify against. */
export async function devJwks(home = picstackHome()): Promise<{ keys: JWK[] }> {
  return { keys: [(await loadOrCreateDevKey(home)).publicJwk] };
}

export interface DevTokenOptions {
  /** Lifetime in seconds (default 12 hours). */
  expiresIn?: number;
  home?: string;
}

/** A token for `userId`; an id the API would refuse (see USER_ID_PATTERN) is refused here first. */
export async function signDevToken(userId: string, options: DevTokenOptions = {}): Promise<string> {
  if (!USER_ID_PATTERN.test(userId)) {
    throw new Error(
      `A user id is 1–128 letters, digits or . _ @ : - (got ${JSON.stringify(userId.slice(0, 40))})`,
    );
  }
  const stored = await loadOrCreateDevKey(options.home);
  const key = await importJWK(stored.privateJwk, ALG);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALG, kid: stored.kid, typ: "JWT" })
    .setSubject(userId)
    .setIssuer(stored.issuer)
    .setAudience(stored.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.expiresIn ?? 12 * 3600}s`)
    .sign(key);
}
