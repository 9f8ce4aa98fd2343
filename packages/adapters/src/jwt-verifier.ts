/**
 * Bearer-token verification with jose. Keys come from a JWKS URL (Cognito in AWS) or an inline JWKS
 * (the local dev issuer). Only asymmetric algorithms are accepted, so `alg: none` and HMAC tokens
 * signed with a public key fail.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, jwtVerify } from "jose";

export const ACCEPTED_ALGORITHMS = ["RS256", "ES256"];

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  jwks?: JSONWebKeySet;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
  }
}

export interface VerifiedToken {
  userId: string;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const keys = options.jwks
    ? createLocalJWKSet(options.jwks)
    : options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl))
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
      if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 128) {
        throw new InvalidTokenError("The token has no usable subject");
      }
      // jose checks `iat` only against a maximum age; a token from the future is forged or from a broken clock.
      const tolerance = options.clockToleranceSeconds ?? 5;
      if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + tolerance) {
        throw new InvalidTokenError("The token was issued in the future");
      }
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError("The token has expired");
      if (error instanceof errors.JOSEError) throw new InvalidTokenError("The token is not valid");
      throw error;
    }
  };
}
