/**
 * The one declaration of Picstack's resources: functions (with their environment and permissions),
 * routes, the table and its key layout, the queue, the bucket and its key prefixes, the CORS policy.
 *
 * The SST stacks (`stacks/`) are built from it, and AWS, LocalStack and MiniStack all get the templates
 * they synthesize; the adapters (packages/adapters) and core's storage layout
 * (packages/core/src/storage-layout.ts) build their keys from it. Nothing here imports anything, so any
 * package may read it, core included.
 */

export const APP = "picstack";

/** Lambda runtime for every function, in AWS and on the local emulators. */
export const RUNTIME = "nodejs22.x" as const;

/** Instruction set of every function, and the platform the sharp layer's native packages are built for. */
export const ARCHITECTURE = "x86_64" as const;

/**
 * What a function may do to each data resource; the stacks turn these into least-privilege grants of the
 * API calls the code makes, and nothing more.
 */
export interface FunctionPermissions {
  /**
   * `inspect`: DescribeTable only. `read`: GetItem, BatchGetItem, Query (table and indexes). `readWrite`:
   * also PutItem, UpdateItem, DeleteItem and ConditionCheckItem, which with those authorise TransactWriteItems.
   */
  table?: "inspect" | "read" | "readWrite";
  bucket?: {
    /**
     * Object actions per area, on that prefix only. Presigning needs the action the URL performs:
     * `get` for downloads, `put` for uploads.
     */
    objects?: Partial<Record<BucketArea, ReadonlyArray<"get" | "put" | "delete">>>;
    /**
     * List these areas' keys. Without it S3 answers a read of a missing key 403 AccessDenied instead of
     * 404 NoSuchKey, and a missing object looks like a permission fault.
     */
    list?: ReadonlyArray<BucketArea>;
    /** HeadBucket (a health check): s3:ListBucket on the bucket, which HeadBucket requires. */
    inspect?: boolean;
  };
  /** `send`: SendMessage. `inspect`: GetQueueAttributes. `consume`: granted by the event source mapping. */
  queue?: "send" | "consume" | "inspect";
  /** Read the secret that signs list cursors. */
  cursorSecret?: boolean;
  /** Read the OpenAI API key secret. */
  openAiKey?: boolean;
  /** Read and write this user's rate-limit buckets (table items whose key starts `RATE#`), nothing else. */
  rateLimit?: boolean;
  /**
   * The search-index queue (`searchQueue`): `send` asks for a compaction of a user's index (SendMessage);
   * `consume` is granted by the compactor's event source mapping.
   */
  searchIndex?: "send" | "consume";
}

export interface FunctionSpec {
  /** Source file from the repository root, without extension, then `.` and the export: SST's form. */
  handler: string;
  description: string;
  memorySize: number;
  /** Seconds. */
  timeout: number;
  layers: ReadonlyArray<"sharp">;
  permissions: FunctionPermissions;
  /** For scheduled jobs: an EventBridge schedule expression (AWS); locally a command runs the job. */
  schedule?: string;
  /**
   * Files copied into the function's bundle as they are (SST's `copyFiles`): `from` the repository
   * root, `to` a path in the bundle, where the handler reads them.
   */
  files?: ReadonlyArray<{ from: string; to: string }>;
  /**
   * Settings of the runtime itself (the C library, Node), set as they are on the function: not the
   * application's configuration, which `environmentOf` derives from the permissions.
   */
  runtimeEnvironment?: Readonly<Record<string, string>>;
}

/** The API returns presigned download URLs for an image's original and thumbnails. */
const PRESIGNED_DOWNLOADS = { objects: { originals: ["get"], thumbnails: ["get"] } } as const;

/**
 * The search routes: images' presigned downloads, and the per-user index snapshots (read, and listed so a
 * snapshot a compactor has just replaced reads as 404 NoSuchKey, not 403).
 */
const SEARCH_READ = {
  table: "read",
  bucket: {
    objects: { originals: ["get"], thumbnails: ["get"], search: ["get"] },
    list: ["search"],
  },
  rateLimit: true,
} as const;

export const functions = {
  createImage: {
    handler: "packages/functions/src/http/create-image.handler",
    description: "POST /images: create a pending image and a presigned upload",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "readWrite", bucket: { objects: { originals: ["put"] } }, rateLimit: true },
  },
  listImages: {
    handler: "packages/functions/src/http/list-images.handler",
    description: "GET /images: the caller's images, paginated, with presigned URLs",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "read", bucket: PRESIGNED_DOWNLOADS, cursorSecret: true, rateLimit: true },
  },
  getImage: {
    handler: "packages/functions/src/http/get-image.handler",
    description: "GET /images/{id}: one image with presigned URLs",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "read", bucket: PRESIGNED_DOWNLOADS, rateLimit: true },
  },
  updateImage: {
    handler: "packages/functions/src/http/update-image.handler",
    description: "PATCH /images/{id}: note and tags",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "readWrite", bucket: PRESIGNED_DOWNLOADS, rateLimit: true },
  },
  deleteImage: {
    handler: "packages/functions/src/http/delete-image.handler",
    description: "DELETE /images/{id}: soft delete",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "readWrite", rateLimit: true },
  },
  restoreImage: {
    handler: "packages/functions/src/http/restore-image.handler",
    description: "POST /images/{id}/restore: undo a delete within the retention period",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "readWrite", bucket: PRESIGNED_DOWNLOADS, rateLimit: true },
  },
  analyzeImage: {
    handler: "packages/functions/src/http/analyze-image.handler",
    description: "POST /images/{id}/analyze: queue the analysis of a ready image again",
    memorySize: 512,
    timeout: 10,
    layers: [],
    permissions: { table: "readWrite", bucket: PRESIGNED_DOWNLOADS, queue: "send", rateLimit: true },
  },
  searchImages: {
    handler: "packages/functions/src/http/search-images.handler",
    description: "POST /images/search: rank the caller's images by text (and embeddings)",
    // The user's index is held in memory between requests (snapshot + pending changes). Measured with
    // the real engine (docs/search.md): 100,000 documents with 256-dimension embeddings load in ~4 s to
    // ~0.8 GB of heap (1.35 GB RSS) and a hybrid search scores them all in ~0.5 s; 1024 MB would not
    // hold them. The memory also buys CPU (one vCPU at 1769 MB). Idle, it costs nothing.
    memorySize: 3008,
    timeout: 15,
    layers: [],
    permissions: { ...SEARCH_READ, cursorSecret: true, searchIndex: "send", openAiKey: true },
  },
  similarImages: {
    handler: "packages/functions/src/http/similar-images.handler",
    description: "GET /images/{id}/similar: the caller's images most like one of theirs",
    // Loads the same index as searchImages (see there).
    memorySize: 3008,
    timeout: 15,
    layers: [],
    permissions: { ...SEARCH_READ, searchIndex: "send" },
  },
  indexSearch: {
    handler: "packages/functions/src/jobs/index-search.handler",
    description: "SQS consumer: fold a user's pending search changes into a new index snapshot",
    // Loads a snapshot and writes the next (for 100,000 documents with embeddings: a 211 MB JSON text,
    // 112 MB gzipped, about 12 s of one core to load, serialise and compress).
    memorySize: 3008,
    timeout: 60,
    layers: [],
    permissions: {
      table: "readWrite",
      bucket: { objects: { search: ["get", "put", "delete"] }, list: ["search"] },
      searchIndex: "consume",
    },
  },
  purgeDeleted: {
    handler: "packages/functions/src/jobs/purge-deleted.handler",
    description: "Scheduled: remove images deleted longer ago than the retention period",
    memorySize: 512,
    timeout: 300,
    layers: [],
    permissions: {
      table: "readWrite",
      bucket: { objects: { originals: ["delete"], thumbnails: ["delete"] } },
      searchIndex: "send",
    },
    schedule: "rate(1 hour)",
  },
  apiDocs: {
    handler: "packages/functions/src/http/api-docs.handler",
    description: "GET /openapi.json and GET /docs: the API description and its reference page",
    memorySize: 256,
    timeout: 10,
    layers: [],
    permissions: {},
    // Swagger UI's script and stylesheet, next to the handler (packages/functions/src/http/api-docs.ts),
    // served by the API so the reference page loads nothing from elsewhere; outside the JavaScript bundle,
    // which stays small to load.
    files: [
      {
        from: "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
        to: "packages/functions/src/http/docs/swagger-ui-bundle.js",
      },
      {
        from: "node_modules/swagger-ui-dist/swagger-ui.css",
        to: "packages/functions/src/http/docs/swagger-ui.css",
      },
    ],
  },
  health: {
    handler: "packages/functions/src/http/health.handler",
    description: "GET /health: table, bucket and queue checks",
    memorySize: 256,
    timeout: 10,
    layers: [],
    permissions: { table: "inspect", bucket: { inspect: true }, queue: "inspect" },
  },
  processUpload: {
    handler: "packages/functions/src/analysis/process-upload.handler",
    description: "SQS consumer: verify an upload, make thumbnails, mark the image ready",
    // The image step needs ~50 ms of one core per 12 MP photo; most of the billed time is waiting for the
    // AI provider, so more memory (and CPU) would mostly be paid for waiting (docs/benchmarks.md).
    memorySize: 1024,
    timeout: 60,
    layers: ["sharp"],
    permissions: {
      table: "readWrite",
      // Reads the original (and the preview to analyse again), writes thumbnails, removes both when an
      // upload is refused; lists to tell a missing object (404) from a denied one.
      bucket: {
        objects: { originals: ["get", "delete"], thumbnails: ["get", "put", "delete"] },
        list: ["originals", "thumbnails"],
      },
      queue: "consume",
      openAiKey: true,
      searchIndex: "send",
    },
    runtimeEnvironment: {
      // glibc gives each thread that allocates its own malloc arena (up to 8 per core) and keeps what is
      // freed in it: libvips' buffers, allocated on whichever libuv thread ran an image, stay resident as
      // batches go by. Two arenas (glibc's own tunable; sharp's documentation warns about this allocator
      // for the same reason): the worst batches one after another in one process (five 100 MP GIFs,
      // progressive JPEGs, interlaced PNGs, then HEIC grids with alpha; `test/memory/probe.ts`) peaked
      // at 752–780 MiB without it and at 584–617 MiB with it, for 5% more time.
      MALLOC_ARENA_MAX: "2",
    },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionId = keyof typeof functions;

/**
 * The variables the stacks set on a function, by their key in `env`: what every function reads, and
 * what a declared permission brings. Their values come from the deployed resources (stacks/functions.ts);
 * local mode changes and adds some (infrastructure/local-mode.ts); config.ts validates them at cold start.
 */
export function environmentOf(permissions: FunctionPermissions) {
  return [
    "function",
    "stage",
    "table",
    "bucket",
    "queueUrl",
    "webOrigin",
    "authIssuer",
    "authAudience",
    "authJwksUrl",
    ...(permissions.cursorSecret ? (["cursorSecretArn"] as const) : []),
    ...(permissions.openAiKey ? (["openAiKeySecretArn"] as const) : []),
    ...(permissions.searchIndex === "send" ? (["searchQueueUrl"] as const) : []),
  ] as const satisfies ReadonlyArray<keyof typeof env>;
}

/** A variable the stacks may set on a function (`environmentOf`). */
export type FunctionEnvKey = ReturnType<typeof environmentOf>[number];

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path, with `{param}` placeholders. */
  path: string;
  function: FunctionId;
}

/** Every HTTP route. Auth is enforced in the handlers' middleware, not by an API Gateway authorizer. */
export const routes: ReadonlyArray<RouteSpec> = [
  { method: "POST", path: "/images", function: "createImage" },
  { method: "GET", path: "/images", function: "listImages" },
  { method: "POST", path: "/images/search", function: "searchImages" },
  { method: "GET", path: "/images/{id}/similar", function: "similarImages" },
  { method: "GET", path: "/images/{id}", function: "getImage" },
  { method: "PATCH", path: "/images/{id}", function: "updateImage" },
  { method: "DELETE", path: "/images/{id}", function: "deleteImage" },
  { method: "POST", path: "/images/{id}/restore", function: "restoreImage" },
  { method: "POST", path: "/images/{id}/analyze", function: "analyzeImage" },
  { method: "GET", path: "/health", function: "health" },
  { method: "GET", path: "/openapi.json", function: "apiDocs" },
  { method: "GET", path: "/docs", function: "apiDocs" },
  { method: "GET", path: "/docs/{asset}", function: "apiDocs" },
];

/**
 * What API Gateway answers by itself (no route, a body over its limit, throttling, its own failures),
 * in the contract's error shape rather than the gateway's default `{"message": ...}`.
 */
export const gatewayResponses: ReadonlyArray<{
  type: "MISSING_AUTHENTICATION_TOKEN" | "REQUEST_TOO_LARGE" | "THROTTLED" | "DEFAULT_4XX" | "DEFAULT_5XX";
  statusCode?: number;
  code: string;
  message: string;
}> = [
  // No resource or method matches: API Gateway calls it a missing token (403); it is a missing route.
  {
    type: "MISSING_AUTHENTICATION_TOKEN",
    statusCode: 404,
    code: "route_not_found",
    message: "No route matches this method and path",
  },
  {
    type: "REQUEST_TOO_LARGE",
    statusCode: 413,
    code: "payload_too_large",
    message: "The request is too large",
  },
  { type: "THROTTLED", statusCode: 429, code: "rate_limited", message: "Too many requests; retry later" },
  { type: "DEFAULT_4XX", code: "bad_request", message: "The request was refused" },
  { type: "DEFAULT_5XX", code: "gateway_error", message: "The API gateway failed; try again later" },
];

/** The JSON body of a gateway response (a constant: the gateway's templates cannot transform text). */
export function gatewayResponseBody(response: { code: string; message: string }): string {
  return JSON.stringify({ error: { code: response.code, message: response.message } });
}

/** The function that consumes the analysis queue. */
export const queueConsumer: FunctionId = "processUpload";

/** The function that consumes the search-index queue (`searchQueue`). */
export const searchQueueConsumer: FunctionId = "indexSearch";

/**
 * DynamoDB single table: its attribute and index names, and the values its keys are made of. The
 * DynamoDB adapters build every key from these (packages/adapters/src/dynamodb-*.ts), and IAM scopes the
 * rate limiter to its items by `keys.rateLimit` (stacks/functions.ts). All key attributes are strings;
 * the parts of a key are joined by `separator`, which no id, status or timestamp contains (a tag may, as
 * the last part only).
 *
 * New kinds of item are new entries in `keys`, never new readings of existing ones, so stored items stay
 * readable without a migration: an item kind either has a partition prefix of its own (a share link at
 * `SHARE#{token}`, a webhook at `WEBHOOK#{id}`) or lives in its owner's partition under a sort-key prefix
 * of its own, as tags do in `IMAGE#{id}` (a user's friends at `USER#{userId}` / `FRIEND#{friendId}`). A new
 * way to look items up is a new entry in `indexes` (`gsi4pk`/`gsi4sk`), sparse like the others: only
 * items that carry its keys are in it. A prefix of its own is also what lets IAM grant a function one
 * kind of item and nothing else, as `rateLimit` does.
 */
export const table = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: {
    /**
     * A user's visible images by creation time (`USER#{userId}`, `{createdAt}#{id}`); soft-deleted ones,
     * for the purge job, under `DELETED`.
     */
    byUser: { partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    /** A user's images carrying one tag (`{userId}#{tag}`), by creation time. */
    byTag: { partitionKey: "gsi2pk", sortKey: "gsi2sk" },
    /** A user's visible images by status, then creation time (`USER#{userId}`, `{status}#{createdAt}#{id}`). */
    byStatus: { partitionKey: "gsi3pk", sortKey: "gsi3sk" },
  },
  separator: "#",
  /** Prefixes (ending in `separator`, the item's own parts follow) and whole key values. */
  keys: {
    /** `pk` of an image's partition, `IMAGE#{id}`: every item of an image is in it, for a purge to find. */
    image: "IMAGE#",
    /** `sk` of the image record in its partition. */
    imageRecord: "IMAGE",
    /** `sk` of one tag item of a visible image in its partition, `TAG#{tag}`; the item is in byTag. */
    imageTag: "TAG#",
    /** byUser and byStatus partition of a user's visible images, `USER#{userId}`. */
    user: "USER#",
    /** byUser partition of soft-deleted images, sorted by `{deletedAt}#{id}`. */
    deleted: "DELETED",
    /**
     * `pk` of the lookup of a user's ready images by the SHA-256 of their original,
     * `SHA256#{userId}#{hex}`; one item per image, `sk = {imageId}`, written with `ready` and removed by
     * the purge. `POST /images` with `sha256` reads one partition to list duplicates.
     */
    sha256: "SHA256#",
    /** `pk` of a user's token bucket for one route class, `RATE#{userId}#{class}`. */
    rateLimit: "RATE#",
    /** `sk` of a token bucket. */
    rateLimitBucket: "BUCKET",
    /**
     * `pk` of a user's search index items, `SEARCH#{userId}` (docs/search.md): the index's state and the
     * changes not yet folded into its snapshot in S3, read together with one Query.
     */
    search: "SEARCH#",
    /** `sk` of a pending change of one image's search document, `DOC#{imageId}`. */
    searchDoc: "DOC#",
    /** `sk` of the index's state: `generation`, `snapshotKey`, `docs`. */
    searchMeta: "META",
  },
  pointInTimeRecovery: true,
} as const;

export type IndexName = keyof typeof table.indexes;

/**
 * How the processUpload worker spends its memory and time. Measured with the worst legal batch: five
 * 10000×10000 (100 MP) files of the same kind, each within the 25 MiB upload limit, run through the real
 * SharpImageProcessor in a Node 22 child process (test/memory/measure.ts; peak `maxRSS`):
 *
 * | batch of 5 × 100 MP               | in parallel, libvips cache on | one at a time, cache off |
 * | --------------------------------- | ----------------------------- | ------------------------ |
 * | progressive JPEG (12 MiB)         | 1665 MiB                      | 451 MiB                  |
 * | interlaced PNG (2 MiB)            | 1085 MiB                      | 517 MiB                  |
 * | GIF (4.5 MiB)                     | 1870 MiB                      | 636–712 MiB              |
 * | WebP (4.8 MiB) / deflate TIFF     | 200 / 359 MiB                 | 192 / 352 MiB            |
 * | HEIC: grid + alpha, irot (3 MiB)  | 2193 MiB                      | 650–685 MiB              |
 *
 * A progressive JPEG keeps every DCT coefficient until its last scan, and interlaced PNGs and GIFs decode
 * whole: shrink-on-load (which the single resize to the preview keeps for JPEG and WebP) and sharp's
 * default sequential reads do not help those, so the only bounds are pixels per image and images at once.
 * One image step at a time with the cache off keeps the worst batch (five GIFs) at 712 MiB in the child
 * process and at 728 MiB (71% of the 1024 MB function, under the 75% target) in the worker itself, five
 * records in one invocation on the local stack (`npm run test:reliability -- --only memory`). A HEIC
 * grid is decoded by libheif in WebAssembly a tile at a time into 4 bytes a pixel (with alpha), freed
 * once resized: five of them peaked at 653 MiB (64%) in the worker. One warm worker running all four
 * worst batches in a row reached 731–760 MiB (71–74%), what glibc's per-thread arenas kept; with
 * `MALLOC_ARENA_MAX=2` (`functions.processUpload.runtimeEnvironment`) it peaked at 625 MiB (61%). That
 * keeps the 100 MP limit, which 48–100 MP phone cameras need. The AI calls of a batch still overlap: they wait
 * on the network, not on memory.
 */
export const worker = {
  /** Decompression-bomb guard and memory bound: images with more pixels end `too_many_pixels`. */
  maxInputPixels: 100_000_000,
  /** Image steps (decode, thumbnails) running at once in one invocation. */
  imageStepsAtOnce: 1,
  /**
   * libvips' operation cache holds decoded pixels between images (a batch of five progressive JPEGs
   * grew from 451 to 1324 MiB with it on); the worker never decodes the same image twice.
   */
  sharpCache: false,
  /** libvips threads per image: more threads, more pixel buffers in flight. */
  sharpConcurrency: 1,
  /** Receives that may process an upload; the one after them only ends it (see queue.maxReceiveCount). */
  processingAttempts: 3,
  /** Worst legal batch peak must stay under this share of the function's memory. */
  maxMemoryShare: 0.75,
} as const;

/**
 * The search-index queue: messages `{ userId, force? }` ask the compactor (`indexSearch`) to fold a
 * user's pending changes into a new snapshot. Sent best effort; a lost one only delays a compaction.
 */
export const searchQueue = {
  visibilityTimeoutSeconds: 60 * 6,
  maxReceiveCount: 3,
  retentionSeconds: 4 * 24 * 60 * 60,
  deadLetterRetentionSeconds: 14 * 24 * 60 * 60,
  /** Messages of one user in a batch are compacted once. */
  batchSize: 10,
  maxBatchingWindowSeconds: 2,
} as const;

/**
 * How the per-user search index is kept (docs/search.md). A compaction without `force` is skipped below
 * `compactAtPending` changes: folding a handful saves less than the snapshot write costs, and a read
 * applies pending changes anyway. A search that sees more than `requestCompactionAbove` asks for one.
 */
export const searchIndex = {
  compactAtPending: 25,
  requestCompactionAbove: 100,
  /**
   * Documents the search functions keep in memory across users (an LRU of whole indexes): one library
   * of 100,000 with embeddings (~0.8 GB of heap) and the one being loaded fit in 3008 MB.
   */
  cacheDocs: 150_000,
  /** Query embeddings kept per container. */
  embeddingCache: 500,
} as const;

/** The analysis queue and its dead-letter queue. */
export const queue = {
  /** Longer than the consumer's timeout, with room for a retry inside one receive (AWS advises 6×). */
  visibilityTimeoutSeconds: functions.processUpload.timeout * 6,
  /**
   * Receives before a message moves to the dead-letter queue: the processing attempts, and one more on
   * which an image whose worker died or timed out every time is marked `failed` instead of tried again.
   */
  maxReceiveCount: worker.processingAttempts + 1,
  retentionSeconds: 4 * 24 * 60 * 60,
  deadLetterRetentionSeconds: 14 * 24 * 60 * 60,
  /**
   * Event source mapping. Five worst legal images one after another take about 4 s of decode on one
   * core here (five 100 MP HEIC grids, decoded in WebAssembly, about 24 s), inside the 60 s timeout; an
   * image step that would start with less than `MIN_IMAGE_STEP_MS` left waits for the next receive. The
   * memory above does not depend on the batch size.
   */
  batchSize: 5,
  maxBatchingWindowSeconds: 1,
} as const;

/**
 * The bucket's areas, by key prefix. Permissions grant object actions per area (and IAM only under its
 * prefix); core's storage layout writes originals and thumbnails under theirs
 * (packages/core/src/storage-layout.ts, shared API contract "Storage layout"). A new kind of object, such
 * as a per-user search index, is a new area with a prefix of its own (`search/{userId}/…`): existing
 * keys stay where they are, and only the functions granted the new area can touch it.
 */
export const bucketAreaPrefixes = {
  /** Uploads: `images/{yyyy}/{mm}/{id}.{ext}`. */
  originals: "images/",
  /** `thumbnails/{yyyy}/{mm}/{id}_{size}.webp`. */
  thumbnails: "thumbnails/",
  /** Per-user search index snapshots: `search/{userId}/{generation}-{nonce}.json.gz`. */
  search: "search/",
} as const;

/** A part of the bucket by key prefix (`bucketAreaPrefixes`). */
export type BucketArea = keyof typeof bucketAreaPrefixes;

/** The object store. */
export const bucket = {
  /** Only new objects under this prefix (uploads) notify the analysis queue. */
  uploadPrefix: bucketAreaPrefixes.originals,
  /** Abandoned multipart uploads are cleaned up after this many days. */
  abortIncompleteUploadDays: 1,
} as const;

/**
 * The CORS policy. Browsers may call the API, and upload to and download from the bucket by presigned
 * URL, from one origin only: the web gallery's (PICSTACK_WEB_ORIGIN at deploy, stacks/settings.ts).
 */
export const cors = {
  /**
   * The API. API Gateway answers the preflights (for the routes' methods) and adds the origin to its own
   * answers; the handlers add it to theirs.
   */
  api: {
    allowHeaders: ["Authorization", "Content-Type"],
    /**
     * Answer headers a page may read besides the CORS-safelisted ones: how long to wait after a 429,
     * and where a created image is.
     */
    exposeHeaders: ["Retry-After", "Location"],
    /** Bearer tokens in a header, never cookies. */
    allowCredentials: false,
  },
  /** The bucket: the methods browsers need for presigned uploads and downloads. */
  bucket: {
    allowMethods: ["GET", "HEAD", "PUT", "POST"],
    allowHeaders: ["*"],
    exposeHeaders: ["ETag"],
    maxAgeSeconds: 3000,
  },
} as const;

/**
 * How much load the deployed API may put on the account, and what the analysis worker keeps for itself
 * (AWS only: the SST stacks read these; each can be overridden at deploy, see stacks/settings.ts).
 * Lambda concurrency is one pool per account and region: without a reservation an API flood could take
 * all of it and leave uploads unprocessed.
 */
export const capacity = {
  /**
   * The REST API stage's throttle for all routes together (requests per second, and the bucket size for
   * bursts); over it API Gateway answers 429 `rate_limited`. The handlers' per-user limits apply beneath.
   */
  apiThrottle: { rateLimit: 100, burstLimit: 200 },
  /**
   * `reserved`: concurrent executions set aside for the queue consumer (0 = none). Reserving fails the
   * deploy if it would leave the account under its minimum unreserved concurrency: accounts whose quota
   * is 10 cannot reserve any. `maximum`: the event source mapping's ceiling (2–1000), at most `reserved`
   * so the queue is never polled faster than the function may run.
   */
  worker: { reserved: 5, maximum: 5 },
} as const;

/** The REST API stage name locally; in AWS the stage is the SST stage. */
export const LOCAL_STAGE = "local";

/**
 * esbuild settings the stacks give SST for every function (stacks/functions.ts). SST v2 itself always
 * bundles ESM for platform node with `keepNames`, `mainFields: ["module", "main"]` and a banner that
 * defines `require`; these are what it leaves to the project. The AWS SDK is bundled (not taken from the
 * runtime) so every environment runs the versions in package-lock.json.
 */
export const bundling = {
  format: "esm",
  target: "node22",
  minify: true,
  sourcemap: false,
  /** Provided by the sharp layer. */
  external: ["sharp"],
} as const;

/**
 * Environment variables every function reads (validated at cold start in packages/functions/src/config.ts).
 * The stacks fill these in (local mode adds the emulator's, infrastructure/local-mode.ts).
 */
export const env = {
  /** The function's id in `functions`: its declared permissions decide which other settings it needs. */
  function: "PICSTACK_FUNCTION",
  stage: "PICSTACK_STAGE",
  table: "PICSTACK_TABLE",
  bucket: "PICSTACK_BUCKET",
  queueUrl: "PICSTACK_QUEUE_URL",
  /** The search-index queue (functions with `searchIndex: "send"`). */
  searchQueueUrl: "PICSTACK_SEARCH_QUEUE_URL",
  webOrigin: "PICSTACK_WEB_ORIGIN",
  authIssuer: "PICSTACK_AUTH_ISSUER",
  authAudience: "PICSTACK_AUTH_AUDIENCE",
  /** A JWKS URL (AWS: the Cognito user pool's). */
  authJwksUrl: "PICSTACK_AUTH_JWKS_URL",
  /** An inline JWKS document (local dev issuer). One of the two must be set. */
  authJwks: "PICSTACK_AUTH_JWKS",
  maxUploadBytes: "PICSTACK_MAX_UPLOAD_BYTES",
  /** Seconds a presigned upload stays valid (1–900, default 600). */
  uploadTtlSeconds: "PICSTACK_UPLOAD_TTL_SECONDS",
  /** Days a deleted image can be restored before the purge job removes it (default 7). */
  retentionDays: "PICSTACK_RETENTION_DAYS",
  /** Rate limits as JSON, e.g. `{"read":{"capacity":120,"refillPerSecond":5},"write":{...}}`. */
  rateLimits: "PICSTACK_RATE_LIMITS",
  /** The list-cursor signing secret: its Secrets Manager ARN (AWS) or the value itself (local). */
  cursorSecretArn: "PICSTACK_CURSOR_SECRET_ARN",
  cursorSecret: "PICSTACK_CURSOR_SECRET",
  /** `basic` (offline) or `openai`; default: `openai` when an API key is configured, else `basic`. */
  analysisProvider: "PICSTACK_ANALYSIS_PROVIDER",
  /** Secrets Manager secret holding `{"apiKey": "..."}` (AWS); an empty key means `basic`. */
  openAiKeySecretArn: "PICSTACK_OPENAI_KEY_SECRET_ARN",
  /** The key itself (local runs only; passed through from the developer's environment). */
  openAiApiKey: "OPENAI_API_KEY",
  /** Any OpenAI-compatible endpoint, e.g. a self-hosted vision model. */
  openAiBaseUrl: "OPENAI_BASE_URL",
  openAiModel: "PICSTACK_OPENAI_MODEL",
  openAiTimeoutMs: "PICSTACK_OPENAI_TIMEOUT_MS",
  /**
   * `openai` or `none`; default: `openai` when an OpenAI API key is configured, else `none` (text search
   * only). Embeddings use the same key and `OPENAI_BASE_URL` as the analysis.
   */
  embeddingProvider: "PICSTACK_EMBEDDING_PROVIDER",
  /** Default `text-embedding-3-small`. */
  embeddingModel: "PICSTACK_EMBEDDING_MODEL",
  /** Vector length asked of the model (default 256). */
  embeddingDimensions: "PICSTACK_EMBEDDING_DIMENSIONS",
  /** Local only: the S3 endpoint clients reach for presigned URLs, and path-style addressing. */
  s3PublicEndpoint: "PICSTACK_S3_PUBLIC_ENDPOINT",
  s3ForcePathStyle: "PICSTACK_S3_FORCE_PATH_STYLE",
  /** Local only: the emulator endpoint for every SDK client (the standard SDK variable). */
  awsEndpoint: "AWS_ENDPOINT_URL",
} as const;

/**
 * Settings only a test stack reads, through the test hooks it preloads (local mode's `testHooks`; the
 * hooks live in test/, never in a function bundle). The stacks never set them, and a function that runs
 * without those hooks refuses them at cold start (packages/functions/src/config.ts).
 */
export const testSettings = {
  /** The reliability suite's fault plan (JSON, test/faults/plan.ts). */
  faults: "PICSTACK_TEST_FAULTS",
} as const;
