/**
 * Where the API is and who the caller is. The API URL comes from `--api-url`, `PICSTACK_API_URL`, or
 * the local stack's outputs file (`PICSTACK_OUTPUTS`, else `.picstack/outputs.json` in this folder or
 * a parent). The token comes from `--token` or `PICSTACK_TOKEN`; on the local stack `--user <id>`
 * (or `PICSTACK_USER`) signs a dev token with the stack's dev issuer key.
 */
import { createPrivateKey, sign } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PicstackClient } from "@picstack/sdk";
import { CliError } from "./output.js";

export interface LocalOutputs {
  apiUrl: string;
  webUrl?: string;
  /** The folder holding outputs.json (and the dev issuer's key). */
  home: string;
}

export function findOutputs(cwd = process.cwd()): LocalOutputs | undefined {
  const explicit = process.env.PICSTACK_OUTPUTS;
  let file: string | undefined;
  if (explicit) {
    file = resolve(explicit);
    if (!existsSync(file)) throw new CliError(`PICSTACK_OUTPUTS names ${file}, which does not exist`, 2);
  } else if (process.env.PICSTACK_HOME && existsSync(join(process.env.PICSTACK_HOME, "outputs.json"))) {
    file = resolve(process.env.PICSTACK_HOME, "outputs.json");
  } else {
    for (let dir = resolve(cwd); ; dir = dirname(dir)) {
      const candidate = join(dir, ".picstack", "outputs.json");
      if (existsSync(candidate)) {
        file = candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  if (!file) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { apiUrl?: string; webUrl?: string };
  if (!parsed.apiUrl) throw new CliError(`${file} has no apiUrl`, 2);
  return { apiUrl: parsed.apiUrl, webUrl: parsed.webUrl, home: dirname(file) };
}

export interface ConnectionFlags {
  "api-url"?: string;
  token?: string;
  user?: string;
}

export interface Connection {
  apiUrl: string;
  /** Where the URL came from (`--api-url`, `PICSTACK_API_URL` or the outputs file), for the message when nothing answers. */
  apiUrlFrom: string;
  token: string;
}

export function resolveConnection(flags: ConnectionFlags): Connection {
  const outputs = findOutputs();
  const apiUrl = flags["api-url"] ?? process.env.PICSTACK_API_URL ?? outputs?.apiUrl;
  const apiUrlFrom = flags["api-url"]
    ? "--api-url"
    : process.env.PICSTACK_API_URL
      ? "PICSTACK_API_URL"
      : join(outputs?.home ?? "", "outputs.json");
  if (!apiUrl) {
    throw new CliError(
      "No API URL: pass --api-url, set PICSTACK_API_URL, or run from a folder with a running local stack (`npm start`)",
      2,
    );
  }
  let token = flags.token ?? process.env.PICSTACK_TOKEN;
  const user = flags.user ?? process.env.PICSTACK_USER;
  if (!token && user) {
    if (!outputs)
      throw new CliError("--user signs a dev token for the local stack, and no local stack was found", 2);
    token = signDevToken(user, outputs.home);
  }
  if (!token) {
    throw new CliError(
      "No token: pass --token, set PICSTACK_TOKEN, or pass --user <id> on the local stack",
      2,
    );
  }
  return { apiUrl, apiUrlFrom, token };
}

/** A client for the API and caller that the flags, the environment or the local stack name. */
export function connect(flags: ConnectionFlags): PicstackClient {
  const connection = resolveConnection(flags);
  return new PicstackClient({
    baseUrl: connection.apiUrl,
    token: connection.token,
    fetch: explainingFetch(connection),
  });
}

/**
 * `fetch` whose network failures say where and what to do: the SDK reports them as
 * "Could not reach the API: <this message>", and a bare "fetch failed" names neither.
 */
export function explainingFetch(connection: Pick<Connection, "apiUrl" | "apiUrlFrom">): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const url = input instanceof Request ? input.url : String(input);
      throw new Error(unreachableMessage(url, error, connection), { cause: error });
    }
  };
}

/** Why nothing answered at `url`, and how to get an API there. */
export function unreachableMessage(
  url: string,
  error: unknown,
  connection: Pick<Connection, "apiUrl" | "apiUrlFrom">,
): string {
  const why = networkReason(error);
  if (!url.startsWith(connection.apiUrl)) {
    // A presigned storage URL: name its origin only, never the signature.
    return `${new URL(url).origin} ${why}`;
  }
  return `${connection.apiUrl} (from ${connection.apiUrlFrom}) ${why}. Start the local stack with \`npm start\`, or pass --api-url or set PICSTACK_API_URL to a running API`;
}

/** undici's "fetch failed" hides the reason in its cause (an error with a system code). */
function networkReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") {
      const said = NETWORK_CODES[code];
      return said ? `${said} (${code})` : `did not answer (${code})`;
    }
    const inner = cause as { cause?: unknown; errors?: unknown[] };
    cause = inner.cause ?? inner.errors?.[0];
  }
  return `did not answer (${(error as Error).message ?? String(error)})`;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "refused the connection: nothing listens there",
  ECONNRESET: "closed the connection",
  ENOTFOUND: "is not a known host",
  EAI_AGAIN: "could not be looked up",
  ETIMEDOUT: "did not answer in time",
  UND_ERR_CONNECT_TIMEOUT: "did not answer in time",
  EHOSTUNREACH: "is unreachable",
  ENETUNREACH: "is unreachable",
};

/** What the CLI reads of the local stack's dev issuer file (written by packages/local/src/dev-issuer.ts). */
interface DevKey {
  kid: string;
  privateJwk: { kty: string; crv: string; x: string; y: string; d: string };
  issuer?: string;
  audience?: string;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/**
 * The API's user-id rule (`sub`: 1–128 of `[A-Za-z0-9._@:-]`), repeated here because the CLI ships as
 * one file with the SDK only; a token for any other id would only earn a 401.
 */
const USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/;

/** An ES256 token from the local stack's dev issuer (the same claims as `npm run token`). */
export function signDevToken(userId: string, home: string, expiresInSeconds = 12 * 3600): string {
  if (!USER_ID.test(userId)) {
    throw new CliError("A user id is 1–128 letters, digits or . _ @ : - (the API refuses any other)", 2);
  }
  const keyFile = join(home, "dev-issuer", "key.json");
  if (!existsSync(keyFile))
    throw new CliError(`No dev issuer key at ${keyFile}: start the local stack first`, 2);
  const key = JSON.parse(readFileSync(keyFile, "utf8")) as DevKey;
  if (!key.issuer || !key.audience) {
    throw new CliError(`${keyFile} does not name its issuer: start the local stack again to update it`, 2);
  }
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "ES256", kid: key.kid, typ: "JWT" }));
  const claims = b64url(
    JSON.stringify({
      sub: userId,
      iss: key.issuer,
      aud: key.audience,
      iat: now,
      exp: now + expiresInSeconds,
    }),
  );
  const privateKey = createPrivateKey({ key: key.privateJwk, format: "jwk" });
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), {
    key: privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${header}.${claims}.${b64url(signature)}`;
}
