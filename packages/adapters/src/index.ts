export * from "./aws-clients.js";
export * from "./dynamodb-image.repository.js";
export * from "./dynamodb-rate-limit.store.js";
export * from "./jwt-verifier.js";
export * from "./openai-analysis.provider.js";
export * from "./openai-embedding.provider.js";
export * from "./s3-object.store.js";
export * from "./sqs-analysis.queue.js";
