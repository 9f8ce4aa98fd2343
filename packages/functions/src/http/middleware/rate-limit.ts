import type { MiddlewareObj } from "@middy/core";
import { type BucketPolicy, type RateLimitStore, type RouteClass, takeToken } from "@picstack/core";
import { config } from "../../config.js";
import { rateLimitStore } from "../../wiring.js";
import type { ApiEvent, ApiResult, UserContext } from "../types.js";

export interface RateLimitOptions {
  /** Where the buckets live; by default the table (DynamoDB). */
  store?: RateLimitStore;
  /** The bucket's size and refill; by default the class's policy from `PICSTACK_RATE_LIMITS`. */
  policy?: BucketPolicy;
}

/**
 * Takes a token from the caller's bucket for `routeClass`; an empty bucket answers 429 with
 * `Retry-After` (RateLimitedError, errors.ts). Runs after `authenticate`: the bucket is the user's.
 */
export function rateLimit(
  routeClass: RouteClass,
  options: RateLimitOptions = {},
): MiddlewareObj<ApiEvent, ApiResult, Error, UserContext> {
  return {
    before: async (request) => {
      const { userId } = request.context;
      if (!userId) throw new Error("rateLimit needs authenticate() attached before it");
      const policy = options.policy ?? config().rateLimits[routeClass];
      await takeToken(options.store ?? rateLimitStore(), userId, routeClass, policy);
    },
  };
}
