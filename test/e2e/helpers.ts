/** What the e2e tests share: the API as a client calls it, and images made with sharp. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { emulatorClientConfig, signDevToken } from "@picstack/local";
import sharp from "sharp";
import { expect, inject } from "vitest";

export const outputs = () => inject("outputs");

export async function tokenFor(userId: string): Promise<string> {
  return signDevToken(userId, { home: inject("home") });
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${outputs().apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Leave non-JSON bodies as text; tests assert on them.
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Creates an image and PUTs its bytes through the presigned URL, as a client does. */
export async function uploadImage(token: string, bytes: Buffer, contentType: string, filename: string) {
  const created = await api<{
    image: { id: string; createdAt: string };
    upload: { url: string; headers: Record<string, string> };
  }>("POST", "/images", { token, body: { filename, contentType, size: bytes.byteLength } });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.upload.url, {
    method: "PUT",
    headers: created.body.upload.headers,
    body: bytes,
  });
  expect(put.status).toBe(200);
  return created.body.image;
}

export function expectError(response: ApiResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
}

export async function photoJpeg(width = 1600, height = 1200): Promise<Buffer> {
  // A gradient-ish photo stand-in with GPS-bearing EXIF, so tests can check it is stripped.
  return sharp({ create: { width, height, channels: 3, background: { r: 180, g: 90, b: 30 } } })
    .composite([
      {
        input: await sharp({
          create: { width: Math.floor(width / 2), height, channels: 3, background: "#2060c0" },
        })
          .png()
          .toBuffer(),
        left: 0,
        top: 0,
      },
    ])
    .jpeg({ quality: 85 })
    .withExif({
      IFD0: { Make: "PicstackCam", Model: "E2E" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 0/1" },
    })
    .toBuffer();
}

/** SDK clients on the test stack's emulator, for what a client of the API cannot see. */
export const s3 = () => new S3Client({ ...emulatorClientConfig(outputs().endpoint), forcePathStyle: true });
export const sqs = () => new SQSClient(emulatorClientConfig(outputs().endpoint));
export const lambda = () => new LambdaClient(emulatorClientConfig(outputs().endpoint));
export const documents = () =>
  DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(outputs().endpoint)));

export async function waitForStatus(
  token: string,
  id: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: ApiResponse | undefined;
  while (Date.now() < deadline) {
    last = await api("GET", `/images/${id}`, { token });
    const body = last.body as { status: string; analysis?: { status: string } };
    // A ready image is final once its analysis has run too (it runs right after the image is ready).
    const analyzing = body.status === "ready" && body.analysis?.status === "pending";
    if (last.status === 200 && statuses.includes(body.status) && !analyzing) {
      return last.body as Record<string, unknown>;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `image ${id} did not reach ${statuses.join("/")}: last answer ${JSON.stringify(last?.body)}`,
  );
}
