/**
 * Sign-in. Locally: a user id exchanged for a dev token at the local server. In AWS: the Cognito hosted
 * UI with the authorization-code flow and PKCE; the ID token is the API's bearer token.
 */
import type { AuthConfig } from "./config.js";

export interface Session {
  token: string;
  user: string;
}

const KEY = "picstack.session";
const VERIFIER = "picstack.pkce";

/** The token's expiry (epoch ms) from its `exp` claim; undefined when it has none or is not a JWT. */
export function expiresAt(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? "")) as {
      exp?: unknown;
    };
    return typeof payload.exp === "number" ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The saved session, if its token has not expired. Kept in localStorage so every tab of this origin
 * shares it (a bearer token, readable by this origin's scripts, as sessionStorage was); an expired or
 * unreadable one is removed.
 */
export function loadSession(): Session | undefined {
  const raw = localStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== "string" || typeof session.user !== "string")
      throw new Error("not a session");
    const exp = expiresAt(session.token);
    if (exp !== undefined && exp <= Date.now()) throw new Error("expired");
    return session;
  } catch {
    localStorage.removeItem(KEY);
    return undefined;
  }
}

/** Saves the session for every tab, or (undefined) signs every tab out. */
export function saveSession(session: Session | undefined): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** Calls `onChange` when another tab signs in or out. */
export function watchSession(onChange: (session: Session | undefined) => void): () => void {
  const listener = (event: StorageEvent) => {
    if (event.key === KEY || event.key === null) onChange(loadSession());
  };
  window.addEventListener("storage", listener);
  return () => window.removeEventListener("storage", listener);
}

export async function devSignIn(
  auth: Extract<AuthConfig, { kind: "dev" }>,
  userId: string,
): Promise<Session> {
  const response = await fetch(auth.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!response.ok || !body.token)
    throw new Error(body.error?.message ?? `Sign-in failed (HTTP ${response.status})`);
  return { token: body.token, user: userId };
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const redirectUri = () => `${window.location.origin}/`;

export async function cognitoSignIn(auth: Extract<AuthConfig, { kind: "cognito" }>): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem(VERIFIER, verifier);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const url = new URL("/oauth2/authorize", auth.domain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: "openid email",
    code_challenge_method: "S256",
    code_challenge: challenge,
  }).toString();
  window.location.assign(url.toString());
}

/** Finishes a hosted-UI sign-in when the page was opened with `?code=`; undefined otherwise. */
export async function completeCognitoSignIn(
  auth: Extract<AuthConfig, { kind: "cognito" }>,
): Promise<Session | undefined> {
  const code = new URLSearchParams(window.location.search).get("code");
  const verifier = sessionStorage.getItem(VERIFIER);
  if (!code || !verifier) return undefined;
  window.history.replaceState(null, "", "/");
  sessionStorage.removeItem(VERIFIER);
  const response = await fetch(new URL("/oauth2/token", auth.domain), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  const body = (await response.json()) as { id_token?: string; error?: string };
  if (!body.id_token) throw new Error(`Sign-in failed: ${body.error ?? response.status}`);
  const claims = JSON.parse(
    atob(body.id_token.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? ""),
  ) as {
    email?: string;
    sub?: string;
  };
  return { token: body.id_token, user: claims.email ?? claims.sub ?? "you" };
}
