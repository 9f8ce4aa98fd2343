/**
 * List prices for the cost estimate, in US dollars: AWS us-east-1 and OpenAI. They are the public list
 * prices as published on the pages named beside each figure as of `takenOn`; they were not fetched by
 * the benchmark (no network access when it runs), so check the pages before quoting a total. Free
 * tiers, savings plans and volume discounts are left out.
 */
export const PRICES = {
  takenOn: "2025-06-01",
  lambda: {
    source: "https://aws.amazon.com/lambda/pricing/",
    /** x86_64, first 6 billion GB-seconds a month. */
    gbSecond: 0.0000166667,
    perMillionRequests: 0.2,
  },
  s3: {
    source: "https://aws.amazon.com/s3/pricing/",
    /** S3 Standard, first 50 TB a month. */
    gbMonth: 0.023,
    /** PUT, COPY, POST, LIST. */
    perThousandWrites: 0.005,
    /** GET, SELECT and all other requests. */
    perThousandReads: 0.0004,
    /** DELETE requests are free. */
    perThousandDeletes: 0,
  },
  sqs: {
    source: "https://aws.amazon.com/sqs/pricing/",
    /** Standard queue, per million requests (each 64 KB chunk of a payload is one request). */
    perMillionRequests: 0.4,
  },
  dynamodb: {
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    /** On-demand, Standard table class (after the November 2024 price cut). */
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
  },
  apiGateway: {
    source: "https://aws.amazon.com/api-gateway/pricing/",
    /** REST APIs, first 333 million requests a month. */
    restPerMillion: 3.5,
  },
  openai: {
    source: "https://openai.com/api/pricing/ and https://platform.openai.com/docs/guides/images-vision",
    models: {
      /** Image tokens: 32×32 patches (at most 1,536) times the multiplier, per the vision guide. */
      "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6, patchMultiplier: 1.62 },
      "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4, patchMultiplier: 2.46 },
    },
    embeddings: {
      /** The default embedding model (PICSTACK_EMBEDDING_MODEL); billed on input tokens only. */
      "text-embedding-3-small": { inputPerMillion: 0.02 },
    },
  },
} as const;

export type OpenAiModel = keyof typeof PRICES.openai.models;

/**
 * Image input tokens for the patch-billed models: the number of 32×32 patches needed to cover the image
 * (scaled down first if that is over 1,536), times the model's multiplier.
 */
export function imageTokens(model: OpenAiModel, width: number, height: number): number {
  const cap = 1536;
  let patches = Math.ceil(width / 32) * Math.ceil(height / 32);
  if (patches > cap) {
    let shrink = Math.sqrt((cap * 32 * 32) / (width * height));
    // The guide then shrinks further so that a whole number of patches fits the width.
    shrink *= Math.floor((width * shrink) / 32) / ((width * shrink) / 32);
    patches = Math.ceil((width * shrink) / 32) * Math.ceil((height * shrink) / 32);
  }
  return Math.ceil(Math.min(patches, cap) * PRICES.openai.models[model].patchMultiplier);
}
