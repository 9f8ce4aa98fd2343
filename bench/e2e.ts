/**
 * Upload → ready on the local stack: from the end of the presigned PUT to the first poll that sees the
 * image `ready` with its analysis done (basic provider), polling every 100 ms. First one upload at a
 * time (latency), then five at a time (throughput).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { imageKey } from "@picstack/adapters";
import { emulatorClientConfig, type Outputs, signDevToken } from "@picstack/local";
import { type Image, PicstackClient } from "@picstack/sdk";
import { photoJpeg } from "./inputs.js";
import { round, type Summary, sleep, summarize } from "./stats.js";

export const POLL_MS = 100;

export interface E2eResult {
  n: number;
  p50Ms: number;
  p95Ms: number;
  pollIntervalMs: number;
  photo: string;
  photoBytes: number;
  /** One upload at a time. */
  sequential: Summary & { readyP50Ms: number };
  /** `concurrency` uploads in flight. */
  concurrent: Summary & { concurrency: number; imagesPerSecond: number; wallSeconds: number };
  /** Measured on the stored results, for the cost model. */
  stored: { recordBytes: number; thumbBytes: number; previewBytes: number; tags: number };
}

interface Timed {
  /** PUT done → ready and analysed. */
  doneMs: number;
  /** PUT done → first poll that saw `ready` (the analysis may still be pending). */
  readyMs: number;
  image: Image;
}

/**
 * Each upload gets a user of its own: polling every 100 ms from one user would hit the production read
 * limit (5/s refill) and the SDK would wait out the 429s, which is not what is being measured.
 */
async function uploadAndWait(outputs: Outputs, home: string, photo: Buffer, label: string): Promise<Timed> {
  const token = await signDevToken(`bench-e2e-${label}-${Date.now()}`, { home });
  const client = new PicstackClient({ baseUrl: outputs.apiUrl, token });
  const created = await client.createUpload({
    data: photo,
    filename: `${label}.jpg`,
    contentType: "image/jpeg",
  });
  const putDone = performance.now();
  let readyMs: number | undefined;
  for (;;) {
    const image = await client.getImage(created.id);
    const now = performance.now();
    if (image.status === "failed") throw new Error(`${label}: failed (${JSON.stringify(image.error)})`);
    if (image.status === "ready") readyMs ??= now - putDone;
    if (image.status === "ready" && image.analysis.status !== "pending") {
      if (image.analysis.status !== "done") throw new Error(`${label}: analysis ${image.analysis.status}`);
      return { doneMs: now - putDone, readyMs: readyMs ?? now - putDone, image };
    }
    if (now - putDone > 120_000) throw new Error(`${label}: not ready after 120 s`);
    await sleep(POLL_MS);
  }
}

async function storedSizes(outputs: Outputs, image: Image): Promise<E2eResult["stored"]> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(outputs.endpoint)));
  const { Item } = await db.send(new GetCommand({ TableName: outputs.table, Key: imageKey(image.id) }));
  const fetched = async (url: string | undefined) =>
    url ? (await (await fetch(url)).arrayBuffer()).byteLength : Number.NaN;
  return {
    recordBytes: Item ? dynamoItemBytes(Item) : Number.NaN,
    thumbBytes: await fetched(image.urls?.thumb),
    previewBytes: await fetched(image.urls?.preview),
    tags: image.tags.length,
  };
}

/** DynamoDB's item size rule (attribute names plus values), which is what capacity units are billed on. */
export function dynamoItemBytes(value: unknown, name = ""): number {
  const own = Buffer.byteLength(name);
  if (value === null || value === undefined || typeof value === "boolean") return own + 1;
  if (typeof value === "string") return own + Buffer.byteLength(value);
  if (typeof value === "number")
    return own + Math.ceil(String(value).replace(/^-|\.|^0+/g, "").length / 2) + 1;
  if (Array.isArray(value)) return own + 3 + value.reduce((s: number, v) => s + 1 + dynamoItemBytes(v), 0);
  if (typeof value === "object") {
    return own + 3 + Object.entries(value).reduce((s, [k, v]) => s + 1 + dynamoItemBytes(v, k), 0);
  }
  return own;
}

export async function e2e(
  outputs: Outputs,
  home: string,
  options: { n: number; concurrency: number; log: (m: string) => void },
): Promise<E2eResult> {
  const { n, concurrency, log } = options;
  // 2000×1500 (3 MP): a downscaled phone photo as apps send it. Several seeds: no identical uploads.
  const photos = await Promise.all([0, 1, 2, 3].map((i) => photoJpeg(2000, 1500, 10 + i, 88)));
  log("warm-up (first invocations start the Lambda workers)");
  for (let i = 0; i < 3; i++) await uploadAndWait(outputs, home, photos[i % 4] as Buffer, `warm-${i}`);

  log(`${n} uploads, one at a time`);
  const sequential: Timed[] = [];
  for (let i = 0; i < n; i++)
    sequential.push(await uploadAndWait(outputs, home, photos[i % 4] as Buffer, `s${i}`));

  log(`${n} uploads, ${concurrency} at a time`);
  const concurrent: Timed[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        concurrent.push(await uploadAndWait(outputs, home, photos[i % 4] as Buffer, `c${i}`));
      }
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const seq = summarize(
    sequential.map((t) => t.doneMs),
    0,
  );
  const last = sequential.at(-1) as Timed;
  return {
    n,
    p50Ms: seq.p50Ms,
    p95Ms: seq.p95Ms,
    pollIntervalMs: POLL_MS,
    photo: "2000×1500 JPEG q88 (3 MP)",
    photoBytes: Math.round(photos.reduce((s, p) => s + p.length, 0) / photos.length),
    sequential: {
      ...seq,
      readyP50Ms: summarize(
        sequential.map((t) => t.readyMs),
        0,
      ).p50Ms,
    },
    concurrent: {
      ...summarize(
        concurrent.map((t) => t.doneMs),
        0,
      ),
      concurrency,
      imagesPerSecond: round(n / wallSeconds, 2),
      wallSeconds: round(wallSeconds, 1),
    },
    stored: await storedSizes(outputs, last.image),
  };
}
