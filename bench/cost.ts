/**
 * The AWS us-east-1 cost of 1,000 images: upload, processing, AI analysis, a month of storage and a few
 * reads, from the durations and sizes measured by the other benchmarks, request counts read off the
 * code, and the list prices in prices.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { analysisSchema, DEFAULT_OPENAI_MODEL } from "@picstack/adapters";
import { functions } from "@picstack/infrastructure";
import { repoRoot } from "@picstack/local";
import * as z from "zod";
import { imageTokens, type OpenAiModel, PRICES } from "./prices.js";
import { round } from "./stats.js";

/** Measured by the other benchmarks (or their defaults when a section is skipped). */
export interface Measured {
  /** CPU time of the worker's image work on one core of this machine, ms: inspect, thumbnails, AI rendition. */
  inspectMs: number;
  thumbnailsMs: number;
  renditionMs: number;
  /** Handler time per API call: ours minus the no-op Lambda's latency at p50, ms. */
  apiHandlerMs: number;
  originalBytes: number;
  thumbBytes: number;
  previewBytes: number;
  /** The stored image record, DynamoDB item bytes. */
  recordBytes: number;
  renditionWidth: number;
  renditionHeight: number;
  previewWidth: number;
  previewHeight: number;
  sources: Record<string, string>;
}

/** What cannot be measured offline; each is stated in the output. */
export const ASSUMPTIONS = {
  /** The worker waits for the model; Lambda bills the wait. Typical for gpt-4.1-mini with a small image. */
  aiWaitMs: 2500,
  /** S3 GET of the original, two PUTs and four DynamoDB calls in-region. */
  workerIoMs: 150,
  /** Lambda bills at least this per API call, whatever the emulator shows. */
  apiHandlerFloorMs: 10,
  /** S3 event → SQS → Lambda, before the worker starts (the batching window is at most 1 s). */
  deliveryMs: 1000,
  /** Tags the model returns (the prompt asks for up to 8). */
  aiTags: 8,
  /** The client lists one page (20 images) per uploaded image: generous. */
  listPageSize: 20,
  /** One message per image: the batch size only helps under load. */
  workerInvocationsPerImage: 1,
  /** Characters per token for English text and JSON. */
  charsPerToken: 4,
  /** Chat framing around the two content parts and the schema. */
  framingTokens: 12,
};

/** A typical structured answer to the prompt (one sentence, 8 tags, no text). */
const TYPICAL_ANSWER = JSON.stringify({
  description: "A calm mountain lake at sunset with pine trees along the shore and a small wooden boat.",
  tags: ["lake", "mountains", "sunset", "pine trees", "boat", "reflection", "calm", "orange"],
  text: "",
});

/** The instruction sent with each image, read from the provider's source so the count follows edits. */
async function promptText(): Promise<string> {
  const source = await readFile(join(repoRoot, "packages/adapters/src/openai-analysis.provider.ts"), "utf8");
  const declaration = /const PROMPT =([\s\S]*?);\n/.exec(source)?.[1];
  const parts = declaration ? [...declaration.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]) : [];
  if (parts.length === 0) throw new Error("PROMPT not found in openai-analysis.provider.ts");
  return parts.join("");
}

/** SDK default polling (300 ms, ×1.5, at most 5 s) until an image ready after `ms` is seen. */
export function pollsUntil(ms: number): number {
  let t = 0;
  let delay = 300;
  let polls = 1;
  while (t < ms) {
    t += delay;
    delay = Math.min(5000, delay * 1.5);
    polls++;
  }
  return polls;
}

export interface Counts {
  apiCalls: number;
  getImagePolls: number;
  workerMs: number;
  workerCpuShare: number;
  apiHandlerMs: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  s3Writes: number;
  s3Reads: number;
  s3Deletes: number;
  sqsRequests: number;
  aiInputTokens: number;
  aiOutputTokens: number;
}

export interface CostResult {
  usd: number;
  perImageUsd: number;
  target: number;
  model: OpenAiModel;
  aiImage: { width: number; height: number; imageTokens: number };
  tokens: { image: number; promptText: number; schema: number; framing: number; output: number };
  breakdown: Record<string, number>;
  counts: Counts;
  measured: Measured;
  assumptions: typeof ASSUMPTIONS;
  pricesTakenOn: string;
  /** The same total with one thing changed. */
  whatIf: { change: string; usd: number }[];
}

interface Options {
  model: OpenAiModel;
  workerMemoryMb: number;
  aiWidth: number;
  aiHeight: number;
  aiWaitMs: number;
}

export async function costPer1000(measured: Measured): Promise<CostResult> {
  const prompt = await promptText();
  const schema = JSON.stringify({
    type: "json_schema",
    json_schema: { name: "image_analysis", strict: true, schema: z.toJSONSchema(analysisSchema) },
  });
  const a = ASSUMPTIONS;
  const textTokens = {
    promptText: Math.ceil(prompt.length / a.charsPerToken),
    schema: Math.ceil(schema.length / a.charsPerToken),
    framing: a.framingTokens,
    output: Math.ceil(TYPICAL_ANSWER.length / a.charsPerToken),
  };
  const defaultModel = DEFAULT_OPENAI_MODEL as OpenAiModel;
  const base: Options = {
    model: defaultModel,
    workerMemoryMb: functions.processUpload.memorySize,
    aiWidth: measured.renditionWidth,
    aiHeight: measured.renditionHeight,
    aiWaitMs: a.aiWaitMs,
  };

  const compute = (o: Options) => {
    const n = 1000;
    const gb = (mb: number) => mb / 1024;
    // Lambda gives a full vCPU at 1,769 MB and a proportional share below; the image step is CPU-bound.
    const cpuShare = Math.min(1, o.workerMemoryMb / 1769);
    const cpuMs = measured.inspectMs + measured.thumbnailsMs + measured.renditionMs;
    const workerMs = cpuMs / cpuShare + a.workerIoMs + o.aiWaitMs;
    const polls = pollsUntil(a.deliveryMs + workerMs);
    const apiCalls = { create: 1, getImage: polls, list: 1 };
    const apiCount = apiCalls.create + apiCalls.getImage + apiCalls.list;
    const handlerMs = Math.max(measured.apiHandlerMs, a.apiHandlerFloorMs);
    const apiGbSeconds =
      (handlerMs / 1000) *
      (apiCalls.create * gb(functions.createImage.memorySize) +
        apiCalls.getImage * gb(functions.getImage.memorySize) +
        apiCalls.list * gb(functions.listImages.memorySize));
    const workerGbSeconds = (workerMs / 1000) * gb(o.workerMemoryMb);

    // DynamoDB: 1 write unit per KB, 1 consistent read unit per 4 KB, transactions count twice, and
    // every write to an item in a global index (ALL projection) is written to the index again.
    const kb = Math.ceil(measured.recordBytes / 1024);
    const reads4k = Math.ceil(measured.recordBytes / 4096);
    const rateLimit = { reads: apiCount, writes: apiCount }; // a consistent get and a put per call
    const record = {
      create: kb + kb, // put + byUser index
      claim: kb + kb,
      ready: kb + kb,
      analysis: 2 * kb + kb + a.aiTags * (2 + 1), // transaction: record + tag items, + indexes
    };
    const writeUnits = rateLimit.writes + Object.values(record).reduce((s, v) => s + v, 0);
    const readUnits =
      rateLimit.reads +
      reads4k + // the worker reads the record before claiming it
      apiCalls.getImage * reads4k +
      apiCalls.list *
        (0.5 * Math.ceil((a.listPageSize * measured.recordBytes) / 4096) + a.listPageSize * reads4k);

    const s3 = { writes: 3, reads: 3, deletes: 3 }; // original + 2 thumbnails; worker GET + client thumb and preview; purge
    const sqsRequests = 3; // send (S3 notification), receive, delete
    const inputTokens =
      imageTokens(o.model, o.aiWidth, o.aiHeight) +
      textTokens.promptText +
      textTokens.schema +
      textTokens.framing;
    const ai = PRICES.openai.models[o.model];
    const breakdown = {
      lambdaWorkerCompute: n * workerGbSeconds * PRICES.lambda.gbSecond,
      lambdaApiCompute: n * apiGbSeconds * PRICES.lambda.gbSecond,
      lambdaRequests:
        ((n * (apiCount + a.workerInvocationsPerImage)) / 1e6) * PRICES.lambda.perMillionRequests,
      s3Requests:
        (n *
          (s3.writes * PRICES.s3.perThousandWrites +
            s3.reads * PRICES.s3.perThousandReads +
            s3.deletes * PRICES.s3.perThousandDeletes)) /
        1000,
      s3StorageMonth:
        ((n * (measured.originalBytes + measured.thumbBytes + measured.previewBytes)) / 1024 ** 3) *
        PRICES.s3.gbMonth,
      sqs: ((n * sqsRequests) / 1e6) * PRICES.sqs.perMillionRequests,
      dynamodbWrites: ((n * writeUnits) / 1e6) * PRICES.dynamodb.perMillionWriteUnits,
      dynamodbReads: ((n * readUnits) / 1e6) * PRICES.dynamodb.perMillionReadUnits,
      apiGateway: ((n * apiCount) / 1e6) * PRICES.apiGateway.restPerMillion,
      aiInputTokens: ((n * inputTokens) / 1e6) * ai.inputPerMillion,
      aiOutputTokens: ((n * textTokens.output) / 1e6) * ai.outputPerMillion,
    };
    const usd = Object.values(breakdown).reduce((s, v) => s + v, 0);
    const counts: Counts = {
      apiCalls: apiCount,
      getImagePolls: polls,
      workerMs: round(workerMs, 0),
      workerCpuShare: round(cpuShare, 2),
      apiHandlerMs: round(handlerMs, 1),
      dynamoWriteUnits: writeUnits,
      dynamoReadUnits: readUnits,
      s3Writes: s3.writes,
      s3Reads: s3.reads,
      s3Deletes: s3.deletes,
      sqsRequests,
      aiInputTokens: inputTokens,
      aiOutputTokens: textTokens.output,
    };
    return { usd, breakdown, counts };
  };

  const main = compute(base);
  const variant = (change: string, o: Partial<Options>) => ({
    change,
    usd: round(compute({ ...base, ...o }).usd, 3),
  });
  const aiTokens = imageTokens(base.model, base.aiWidth, base.aiHeight);
  return {
    usd: round(main.usd, 3),
    perImageUsd: round(main.usd / 1000, 6),
    target: 0.5,
    model: base.model,
    aiImage: { width: base.aiWidth, height: base.aiHeight, imageTokens: aiTokens },
    tokens: { image: aiTokens, ...textTokens },
    breakdown: Object.fromEntries(Object.entries(main.breakdown).map(([k, v]) => [k, round(v, 4)])),
    counts: main.counts,
    measured,
    assumptions: ASSUMPTIONS,
    pricesTakenOn: PRICES.takenOn,
    whatIf: [
      variant(`AI gets the preview (${measured.previewWidth}×${measured.previewHeight})`, {
        aiWidth: measured.previewWidth,
        aiHeight: measured.previewHeight,
      }),
      variant("AI gets the thumb (256×192)", { aiWidth: 256, aiHeight: 192 }),
      variant("model gpt-4.1-nano", { model: "gpt-4.1-nano" }),
      variant("processUpload at 512 MB", { workerMemoryMb: 512 }),
      variant("processUpload at 1769 MB (1 vCPU)", { workerMemoryMb: 1769 }),
      variant("AI wait 1 s instead of 2.5 s", { aiWaitMs: 1000 }),
      variant("AI wait 5 s instead of 2.5 s", { aiWaitMs: 5000 }),
    ],
  };
}

/** What the search cost model cannot measure on the emulator; each is stated in the output. */
export const SEARCH_ASSUMPTIONS = {
  /** The worker waits this long for the analysis text's embedding (one call, one text). */
  embeddingWaitMs: 200,
  /** A search's query text, tokens (two or three words). */
  queryTokens: 4,
  /** Query texts not yet in the container's embedding cache: every search, at worst. */
  queryEmbeddingShare: 1,
  /** Searches served by a new container (module load + snapshot GET and load), the rest warm. */
  coldShare: 0.02,
  /** Searches that load a snapshot (a cold container, or the first after a compaction). */
  snapshotGetShare: 0.05,
  /** Each image's queue message starts a compactor run (uploads trickle in; a burst batches them). */
  compactorRunsPerImage: 1,
  /** Pending changes a search reads on average (META plus up to `compactAtPending` changes). */
  pendingReadPerSearch: 12,
  /** Records a search reads back (BatchGetItem of its page: the default limit of 20). */
  pageRecords: 20,
  /** The page's presigned URLs and JSON: handler time of a search beyond the engine's, included in the measured duration. */
  searchDurationSource:
    "warm p50 through the emulator's API Gateway at this size (an upper bound of the Lambda duration)",
};

export interface SearchCostInput {
  rows: ReadonlyArray<{ images: number; mode: string; warm: { p50Ms: number }; cold: { p50Ms: number } }>;
  index: Record<
    string,
    { steadyCompactionMs: number; skippedCompactionMs: number; snapshotBytes: number; docs: number }
  >;
  steadyChanges: number;
  items: { readyDocBytes: number; analysedDocBytes: number; metaBytes: number; recordBytes: number };
  embeddingTokens: { corpus: number; uploads: number };
  model: string;
}

export interface SearchCostResult {
  /** USD per 1,000 images indexed, per library size (the compaction's cost grows with the snapshot). */
  perThousandIndexed: Record<string, { usd: number; breakdown: Record<string, number> }>;
  /** USD per 1,000 searches (hybrid), per library size. */
  perThousandSearches: Record<string, { usd: number; breakdown: Record<string, number> }>;
  /** Snapshot storage, USD per 1,000 images per month. */
  storagePerThousandMonth: Record<string, number>;
  counts: {
    embeddingTokensPerImage: number;
    pendingWriteUnitsPerImage: number;
    /** Read units of one search: the rate limiter, the search partition's Query, the page's records. */
    readUnitsPerSearch: number;
    compactionsPerThousand: number;
  };
  assumptions: typeof SEARCH_ASSUMPTIONS & { compactAtPending: number };
  pricesTakenOn: string;
}

/** The cost of indexing 1,000 images and of 1,000 searches, from what the search section measured. */
export function searchCost(m: SearchCostInput): SearchCostResult {
  const a = SEARCH_ASSUMPTIONS;
  const gb = (mb: number) => mb / 1024;
  const lambdaUsd = (ms: number, memoryMb: number) => (ms / 1000) * gb(memoryMb) * PRICES.lambda.gbSecond;
  const wcu = (bytes: number) => Math.ceil(bytes / 1024);
  const rcu = (bytes: number) => Math.ceil(bytes / 4096);
  const embedding = PRICES.openai.embeddings["text-embedding-3-small"];
  // The largest of: the seeded corpus, the basic provider's texts, and the typical AI answer the
  // analysis cost assumes (its description, text and tags, as `embeddingText` joins them).
  const typical = JSON.parse(TYPICAL_ANSWER) as { description: string; tags: string[]; text: string };
  const typicalTokens = Math.ceil(
    [typical.description, typical.text, typical.tags.join(", ")].filter(Boolean).join("\n").length /
      ASSUMPTIONS.charsPerToken,
  );
  const tokensPerImage = Math.max(m.embeddingTokens.corpus, m.embeddingTokens.uploads || 0, typicalTokens);
  const compactAt = m.steadyChanges;
  const compactionsPerImage = 1 / compactAt;
  // Transactional writes count twice: the ready document, then the analysed one with its embedding.
  const pendingWriteUnits = 2 * wcu(m.items.readyDocBytes) + 2 * wcu(m.items.analysedDocBytes);
  const readUnits =
    1 + // the rate limiter's bucket (a consistent read), as every API call
    rcu(m.items.metaBytes + a.pendingReadPerSearch * m.items.analysedDocBytes) +
    a.pageRecords * rcu(m.items.recordBytes); // BatchGetItem, strongly consistent
  const perThousandIndexed: SearchCostResult["perThousandIndexed"] = {};
  const perThousandSearches: SearchCostResult["perThousandSearches"] = {};
  const storagePerThousandMonth: Record<string, number> = {};
  const n = 1000;
  for (const [size, index] of Object.entries(m.index)) {
    const snapshotPerDoc = index.snapshotBytes / Math.max(1, index.docs);
    // Each compactor run reads the partition (META + on average half the threshold of pending changes).
    const runReadUnits = rcu(m.items.metaBytes + (compactAt / 2) * m.items.analysedDocBytes);
    const compaction = {
      readUnits: rcu(m.items.metaBytes + compactAt * m.items.analysedDocBytes),
      // META moved (1), then each folded change deleted (a delete costs the deleted item's size).
      writeUnits: 1 + compactAt * wcu(m.items.analysedDocBytes),
    };
    const breakdown = {
      embeddingTokens: ((n * tokensPerImage) / 1e6) * embedding.inputPerMillion,
      workerEmbeddingWait: n * lambdaUsd(a.embeddingWaitMs, functions.processUpload.memorySize),
      dynamodbPendingWrites: ((n * pendingWriteUnits) / 1e6) * PRICES.dynamodb.perMillionWriteUnits,
      // The worker reads the record to name the user, then sends the message; SQS receive and delete.
      compactionRequests:
        ((n * 1) / 1e6) * PRICES.dynamodb.perMillionReadUnits +
        ((n * 3) / 1e6) * PRICES.sqs.perMillionRequests,
      compactorRuns:
        n * a.compactorRunsPerImage * lambdaUsd(index.skippedCompactionMs, functions.indexSearch.memorySize) +
        ((n * a.compactorRunsPerImage) / 1e6) * PRICES.lambda.perMillionRequests +
        ((n * a.compactorRunsPerImage * runReadUnits) / 1e6) * PRICES.dynamodb.perMillionReadUnits,
      compactions:
        n *
        compactionsPerImage *
        (lambdaUsd(index.steadyCompactionMs, functions.indexSearch.memorySize) +
          (compaction.readUnits / 1e6) * PRICES.dynamodb.perMillionReadUnits +
          (compaction.writeUnits / 1e6) * PRICES.dynamodb.perMillionWriteUnits +
          // GET of the snapshot, PUT of the next; the DELETE of the old one is free.
          PRICES.s3.perThousandReads / 1000 +
          PRICES.s3.perThousandWrites / 1000),
    };
    perThousandIndexed[size] = summed(breakdown);
    storagePerThousandMonth[size] = round(((n * snapshotPerDoc) / 1024 ** 3) * PRICES.s3.gbMonth, 6);

    const row = m.rows.find((r) => String(r.images) === size && r.mode === "hybrid");
    const warmMs = row?.warm.p50Ms ?? Number.NaN;
    const coldMs = row?.cold.p50Ms ?? Number.NaN;
    const searchMs = (1 - a.coldShare) * warmMs + a.coldShare * coldMs;
    const search = {
      lambdaCompute: n * lambdaUsd(searchMs, functions.searchImages.memorySize),
      lambdaRequests: (n / 1e6) * PRICES.lambda.perMillionRequests,
      apiGateway: (n / 1e6) * PRICES.apiGateway.restPerMillion,
      dynamodbReads: ((n * readUnits) / 1e6) * PRICES.dynamodb.perMillionReadUnits,
      dynamodbWrites: (n / 1e6) * PRICES.dynamodb.perMillionWriteUnits, // the rate limiter's bucket
      snapshotGets: ((n * a.snapshotGetShare) / 1000) * PRICES.s3.perThousandReads,
      queryEmbedding: ((n * a.queryEmbeddingShare * a.queryTokens) / 1e6) * embedding.inputPerMillion,
    };
    perThousandSearches[size] = summed(search);
  }
  return {
    perThousandIndexed,
    perThousandSearches,
    storagePerThousandMonth,
    counts: {
      embeddingTokensPerImage: tokensPerImage,
      pendingWriteUnitsPerImage: pendingWriteUnits,
      readUnitsPerSearch: readUnits,
      compactionsPerThousand: round(n * compactionsPerImage, 0),
    },
    assumptions: { ...a, compactAtPending: compactAt },
    pricesTakenOn: PRICES.takenOn,
  };
}

function summed(breakdown: Record<string, number>): { usd: number; breakdown: Record<string, number> } {
  const usd = Object.values(breakdown).reduce((s, v) => s + v, 0);
  return {
    usd: round(usd, 5),
    breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, round(v, 6)])),
  };
}
