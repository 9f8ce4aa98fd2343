/**
 * List prices used by the cost estimate: AWS us-east-1 and OpenAI, in US dollars. Taken from the
 * providers' public price pages as last published before the date below; this machine has no internet
 * access, so check the pages before quoting the figures.
 */
export const PRICES = {
  takenOn: "2025-08-01",
  sources: [
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/s3/pricing/",
    "https://aws.amazon.com/sqs/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/api-gateway/pricing/",
    "https://openai.com/api/pricing/",
  ],
  lambda: {
    /** x86_64, per GB-second. */
    gbSecond: 0.0000166667,
    perMillionRequests: 0.2,
  },
  s3: {
    /** S3 Standard, first 50 TB. */
    gbMonth: 0.023,
    /** PUT, COPY, POST, LIST per 1,000 requests. */
    perThousandWrites: 0.005,
    /** GET, SELECT and others per 1,000 requests. */
    perThousandReads: 0.0004,
  },
  sqs: { perMillionRequests: 0.4 },
  dynamodb: {
    /** On-demand, per million write request units and read request units. */
    perMillionWrites: 0.625,
    perMillionReads: 0.125,
  },
  apiGateway: { restPerMillion: 3.5 },
  openai: {
    "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6, patchMultiplier: 1.62 },
    "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4, patchMultiplier: 2.46 },
  },
} as const;

export type OpenAiModel = keyof typeof PRICES.openai;

/**
 * Image input tokens for the patch-billed models (gpt-4.1-mini and -nano): 32×32-pixel patches,
 * at most 1,536 (the image is scaled down to fit), times the model's multiplier.
 */
export function imageTokens(model: OpenAiModel, width: number, height: number): number {
  let patches = Math.ceil(width / 32) * Math.ceil(height / 32);
  if (patches > 1536) {
    const shrink = Math.sqrt((1536 * 32 * 32) / (width * height));
    patches = Math.ceil((width * shrink) / 32) * Math.ceil((height * shrink) / 32);
  }
  return Math.ceil(Math.min(patches, 1536) * PRICES.openai[model].patchMultiplier);
}
