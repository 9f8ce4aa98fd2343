/**
 * S3ObjectStore's presigned URLs. Signing is offline: the clients point at an address nothing listens
 * on and carry static credentials, and no request is sent.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPresignS3Client } from "../src/aws-clients.js";
import { S3ObjectStore, type S3ObjectStoreOptions } from "../src/s3-object.store.js";

const KEY = "images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg";

function client(options: { endpoint?: string; forcePathStyle?: boolean } = {}): S3Client {
  return new S3Client({
    region: "eu-west-1",
    endpoint: options.endpoint ?? "http://127.0.0.1:1",
    forcePathStyle: options.forcePathStyle ?? true,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
}

function store(overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  const s3 = client();
  return new S3ObjectStore({
    bucket: "picstack-test",
    s3,
    presigner: s3,
    uploadTtlSeconds: 600,
    downloadTtlSeconds: 300,
    ...overrides,
  });
}

function signedHeaders(url: URL): string[] {
  return (url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("S3ObjectStore.presignUpload", () => {
  it("signs Content-Type, Content-Length and If-None-Match, so storage refuses another type or size, or a second write", async () => {
    // Act
    const upload = await store().presignUpload(KEY, "image/jpeg", 12345);
    // Assess
    const url = new URL(upload.url);
    expect(signedHeaders(url)).toEqual(
      expect.arrayContaining(["content-length", "content-type", "host", "if-none-match"]),
    );
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(upload.method).toBe("PUT");
    expect(upload.headers).toEqual({ "Content-Type": "image/jpeg", "If-None-Match": "*" });
  });

  it("with a declared SHA-256, signs x-amz-checksum-sha256 as a header the client must send, not a query parameter", async () => {
    // Prepare
    const hex = "9f".repeat(32);
    // Act
    const upload = await store().presignUpload(KEY, "image/png", 10, hex);
    const other = await store().presignUpload(KEY, "image/png", 10, "a0".repeat(32));
    // Assess
    const url = new URL(upload.url);
    expect(signedHeaders(url)).toContain("x-amz-checksum-sha256");
    expect([...url.searchParams.keys()].map((k) => k.toLowerCase())).not.toContain("x-amz-checksum-sha256");
    expect(upload.headers).toEqual({
      "Content-Type": "image/png",
      "If-None-Match": "*",
      "x-amz-checksum-sha256": Buffer.from(hex, "hex").toString("base64"),
    });
    expect(new URL(other.url).searchParams.get("X-Amz-Signature")).not.toBe(
      url.searchParams.get("X-Amz-Signature"),
    );
  });

  it("signs different URLs for different declared sizes and types", async () => {
    // Prepare
    const s = store();
    // Act
    const [a, b, c] = await Promise.all([
      s.presignUpload(KEY, "image/jpeg", 100),
      s.presignUpload(KEY, "image/jpeg", 101),
      s.presignUpload(KEY, "image/png", 100),
    ]);
    // Assess
    const signature = (u: string) => new URL(u).searchParams.get("X-Amz-Signature");
    expect(new Set([signature(a.url), signature(b.url), signature(c.url)]).size).toBe(3);
  });

  it("expires within 15 minutes, as configured, and says when", async () => {
    // Prepare
    const before = Date.now();
    // Act
    const upload = await store({ uploadTtlSeconds: 600 }).presignUpload(KEY, "image/png", 1);
    // Assess
    const url = new URL(upload.url);
    const expires = Number(url.searchParams.get("X-Amz-Expires"));
    expect(expires).toBe(600);
    expect(expires).toBeLessThanOrEqual(900);
    const expiresAt = Date.parse(upload.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it("addresses the bucket path-style on the configured endpoint when forcePathStyle is set", async () => {
    // Act
    const upload = await store().presignUpload(KEY, "image/jpeg", 10);
    // Assess
    const url = new URL(upload.url);
    expect(url.origin).toBe("http://127.0.0.1:1");
    expect(url.pathname).toBe(`/picstack-test/${KEY}`);
  });

  it("addresses the bucket virtual-host style without forcePathStyle", async () => {
    // Prepare
    const s3 = client({ endpoint: "https://s3.storage.test", forcePathStyle: false });
    // Act
    const upload = await store({ s3, presigner: s3 }).presignUpload(KEY, "image/jpeg", 10);
    // Assess
    const url = new URL(upload.url);
    expect(url.host).toBe("picstack-test.s3.storage.test");
    expect(url.pathname).toBe(`/${KEY}`);
  });

  it("signs with the presigner client, not the store's own client", async () => {
    // Prepare
    const presigner = client({ endpoint: "http://public.storage.test:4566" });
    // Act
    const upload = await store({ presigner }).presignUpload(KEY, "image/jpeg", 10);
    // Assess
    expect(new URL(upload.url).origin).toBe("http://public.storage.test:4566");
  });

  it("carries no checksum parameter with the clients the functions build", async () => {
    // Prepare: the production factory, with credentials and region from the environment.
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", undefined);
    vi.stubEnv("AWS_ENDPOINT_URL", undefined);
    vi.stubEnv("AWS_ENDPOINT_URL_S3", undefined);
    const presigner = createPresignS3Client({ publicEndpoint: "http://127.0.0.1:1", forcePathStyle: true });
    // Act
    const upload = await store({ presigner }).presignUpload(KEY, "image/jpeg", 12345);
    // Assess
    const url = new URL(upload.url);
    const params = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    expect(params.filter((k) => k.includes("checksum"))).toEqual([]);
    expect(url.origin).toBe("http://127.0.0.1:1");
    expect(signedHeaders(url)).toEqual(expect.arrayContaining(["content-length", "content-type"]));
  });
});

describe("S3ObjectStore.presignDownload", () => {
  it("signs a GET of the key for the download TTL", async () => {
    // Act
    const raw = await store({ downloadTtlSeconds: 300 }).presignDownload(KEY);
    // Assess
    const url = new URL(raw);
    expect(url.pathname).toBe(`/picstack-test/${KEY}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(signedHeaders(url)).toEqual(["host"]);
  });
});

describe("S3ObjectStore construction", () => {
  it("refuses an upload TTL over 15 minutes and accepts exactly 15", () => {
    // Act / Assess
    expect(() => store({ uploadTtlSeconds: 901 })).toThrow(/900/);
    expect(() => store({ uploadTtlSeconds: 900 })).not.toThrow();
  });
});
