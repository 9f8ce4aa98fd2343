/**
 * Bearer-token verification with jose. Keys come from a JWKS URL (Cognito in AWS) or an inline JWKS
 * (the local dev issuer). Only asymmetric algorithms are accepted, so `alg: none` and HMAC tokens
 * signed with a public key fail.
 *
 * A token that is wrong is an `InvalidTokenError` (401); a key service that is down, slow or answers
 * garbage is an `AuthUnavailableError` (503): the token may be fine, so the client should retry, not
 * sign in again. jose keeps no failed fetch, so the next request after the key service recovers
 * fetches the keys again.
 */
import { USER_ID_PATTERN } from "@picstack/core";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";

export const ACCEPTED_ALGORITHMS = ["RS256", "ES256"];

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  jwks?: JSONWebKeySet;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
  /**
   * How long one JWKS fetch may take (default 3 s): well inside an API Gateway request (29 s), and a
   * hanging key service answers 503 quickly instead of holding the function until its timeout.
   */
  jwksTimeoutMs?: number;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
  }
}

/** The key service (JWKS) could not be reached or answered something that is not a key set. */
export class AuthUnavailableError extends Error {
  /** Seconds a client should wait before trying again. */
  readonly retryAfterSeconds = 5;
  constructor(options?: { cause?: unknown }) {
    super("The sign-in service is unavailable; try again shortly", options);
    this.name = "AuthUnavailableError";
  }
}

export interface VerifiedToken {
  userId: string;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/**
 * Errors of the key lookup that the token causes (an unknown `kid`, an algorithm the key set has no
 * key for); everything else out of the remote key set is the key service failing.
 */
function causedByToken(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}

function remoteKeys(url: string, timeoutDuration: number): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(url), { timeoutDuration });
  return async (protectedHeader, token) => {
    try {
      return await remote(protectedHeader, token);
    } catch (error) {
      // JWKSTimeout, JWKSInvalid, a non-200 or non-JSON answer, or fetch's own network TypeError.
      if (causedByToken(error)) throw error;
      throw new AuthUnavailableError({ cause: error });
    }
  };
}

export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const keys = options.jwks
    ? createLocalJWKSet(options.jwks)
    : options.jwksUrl
      ? remoteKeys(options.jwksUrl, options.jwksTimeoutMs ?? 3000)
      : undefined;
  if (!keys) throw new Error("A JWKS URL or an inline JWKS is required");

  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ["sub", "exp"],
      });
      if (typeof payload.sub !== "string" || !USER_ID_PATTERN.test(payload.sub)) {
        throw new InvalidTokenError("The token has no usable subject");
      }
      // jose checks `iat` only against a maximum age; a token from the future is forged or from a broken clock.
      const tolerance = options.clockToleranceSeconds ?? 5;
      if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + tolerance) {
        throw new InvalidTokenError("The token was issued in the future");
      }
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof AuthUnavailableError) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError("The token has expired");
      if (error instanceof errors.JOSEError) throw new InvalidTokenError("The token is not valid");
      throw error;
    }
  };
}
