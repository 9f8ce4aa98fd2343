/**
 * Function configuration, read and validated once at cold start. A missing or malformed variable
 * fails the cold start with a message naming it, not the first request.
 */

import { DEFAULT_OPENAI_MODEL, type FaultPlan, parseFaultPlan } from "@picstack/adapters";
import {
  type BucketPolicy,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_RATE_LIMITS,
  type RouteClass,
} from "@picstack/core";
import { env } from "@picstack/infrastructure";
import * as z from "zod";

const bool = z.enum(["true", "false"]).transform((v) => v === "true");

/** One route class's bucket in `PICSTACK_RATE_LIMITS`, e.g. `{"analyze":{"capacity":5,"refillPerSecond":0.01}}`. */
const bucketPolicy = z
  .strictObject({ capacity: z.number().positive(), refillPerSecond: z.number().positive() })
  .optional();

const schema = z
  .object({
    [env.stage]: z.string().min(1),
    [env.table]: z.string().min(1),
    [env.bucket]: z.string().min(1),
    [env.queueUrl]: z.string().url().optional(),
    [env.webOrigin]: z.string().url(),
    [env.authIssuer]: z.string().min(1),
    [env.authAudience]: z.string().min(1),
    [env.authJwksUrl]: z.string().url().optional(),
    [env.authJwks]: z.string().optional(),
    [env.maxUploadBytes]: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
    [env.uploadTtlSeconds]: z.coerce.number().int().min(1).max(900).default(600),
    [env.testFaults]: z
      .string()
      .transform((text, ctx) => {
        try {
          return parseFaultPlan(text);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    [env.retentionDays]: z.coerce.number().min(0).max(365).default(7),
    [env.cursorSecretArn]: z.string().min(1).optional(),
    [env.analysisProvider]: z.enum(["basic", "openai"]).optional(),
    [env.openAiKeySecretArn]: z.string().min(1).optional(),
    [env.openAiApiKey]: z.string().min(1).optional(),
    [env.openAiBaseUrl]: z.string().url().optional(),
    [env.openAiModel]: z.string().min(1).default(DEFAULT_OPENAI_MODEL),
    [env.openAiTimeoutMs]: z.coerce.number().int().positive().default(30_000),
    [env.rateLimits]: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "is not JSON" });
          return z.NEVER;
        }
      })
      .pipe(z.strictObject({ read: bucketPolicy, write: bucketPolicy, analyze: bucketPolicy }))
      .optional(),
    [env.cursorSecret]: z.string().min(32).optional(),
    [env.s3PublicEndpoint]: z.string().url().optional(),
    [env.s3ForcePathStyle]: bool.default(false),
  })
  .refine((e) => e[env.authJwksUrl] || e[env.authJwks], {
    message: `one of ${env.authJwksUrl} or ${env.authJwks} is required`,
  });

export interface Config {
  stage: string;
  table: string;
  bucket: string;
  queueUrl?: string;
  webOrigin: string;
  auth: { issuer: string; audience: string; jwksUrl?: string; jwks?: { keys: Record<string, unknown>[] } };
  maxUploadBytes: number;
  retentionDays: number;
  rateLimits: Record<RouteClass, BucketPolicy>;
  cursorSecret: { arn?: string; value?: string };
  analysis: {
    provider?: "basic" | "openai";
    openAi: { apiKey?: string; keySecretArn?: string; baseURL?: string; model: string; timeoutMs: number };
  };
  s3: { publicEndpoint?: string; forcePathStyle: boolean };
  uploadTtlSeconds: number;
  /** Test-only fault injection; undefined everywhere but the reliability suite's local stack. */
  faults?: FaultPlan;
  downloadTtlSeconds: number;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`);
    throw new Error(`Invalid function configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data as Record<string, unknown>;
  const jwksText = e[env.authJwks] as string | undefined;
  let jwks: Config["auth"]["jwks"];
  if (jwksText) {
    try {
      jwks = JSON.parse(jwksText);
    } catch {
      throw new Error(`Invalid function configuration: ${env.authJwks} is not JSON`);
    }
  }
  return {
    stage: e[env.stage] as string,
    table: e[env.table] as string,
    bucket: e[env.bucket] as string,
    queueUrl: e[env.queueUrl] as string | undefined,
    webOrigin: e[env.webOrigin] as string,
    auth: {
      issuer: e[env.authIssuer] as string,
      audience: e[env.authAudience] as string,
      jwksUrl: e[env.authJwksUrl] as string | undefined,
      jwks,
    },
    maxUploadBytes: e[env.maxUploadBytes] as number,
    retentionDays: e[env.retentionDays] as number,
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      ...(e[env.rateLimits] as Partial<Record<RouteClass, BucketPolicy>>),
    },
    analysis: {
      provider: e[env.analysisProvider] as "basic" | "openai" | undefined,
      openAi: {
        apiKey: e[env.openAiApiKey] as string | undefined,
        keySecretArn: e[env.openAiKeySecretArn] as string | undefined,
        baseURL: e[env.openAiBaseUrl] as string | undefined,
        model: e[env.openAiModel] as string,
        timeoutMs: e[env.openAiTimeoutMs] as number,
      },
    },
    cursorSecret: {
      arn: e[env.cursorSecretArn] as string | undefined,
      value: e[env.cursorSecret] as string | undefined,
    },
    s3: {
      publicEndpoint: e[env.s3PublicEndpoint] as string | undefined,
      forcePathStyle: e[env.s3ForcePathStyle] as boolean,
    },
    uploadTtlSeconds: e[env.uploadTtlSeconds] as number,
    faults: e[env.testFaults] as FaultPlan | undefined,
    downloadTtlSeconds: 5 * 60,
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use (at module load of each handler). */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
