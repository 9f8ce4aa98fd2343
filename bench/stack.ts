/**
 * Benchmarks on the local stack: upload → ready for N uploads with the basic provider, and API latency
 * of GET /images and GET /images/{id} next to a no-op Lambda behind the same gateway.
 */
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { emulatorClientConfig, type Outputs, signDevToken } from "@picstack/local";
import { PicstackClient } from "@picstack/sdk";
import { zipSync } from "fflate";
import { photoJpeg } from "./inputs.js";
import { percentile, round } from "./stats.js";

export interface E2eResult {
  n: number;
  p50Ms: number;
  p95Ms: number;
  concurrency: number;
  imagesPerSecond: number;
  pollIntervalMs: number;
  /** Per image: the worker's measured processing time (createdAt → updatedAt of the final record). */
  workerP50Ms: number;
}

export async function e2e(outputs: Outputs, home: string, n: number): Promise<E2eResult> {
  const token = await signDevToken(`bench-${Date.now()}`, { home });
  const api = new PicstackClient({ baseUrl: outputs.apiUrl, token });
  const photos = await Promise.all([0, 1, 2, 3].map((i) => photoJpeg(2000, 1500, 10 + i, 88)));
  const concurrency = 5;
  const latencies: number[] = [];
  const worker: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const image = await api.createUpload({
          data: photos[i % photos.length] as Buffer,
          filename: `bench-${i}.jpg`,
        });
        const uploaded = performance.now();
        const ready = await api.waitUntilReady(image.id, { pollMs: 100, maxPollMs: 100, timeoutMs: 120_000 });
        latencies.push(performance.now() - uploaded);
        worker.push(Date.parse(ready.updatedAt) - Date.parse(ready.createdAt));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    n,
    p50Ms: Math.round(percentile(latencies, 50)),
    p95Ms: Math.round(percentile(latencies, 95)),
    concurrency,
    imagesPerSecond: round(n / seconds, 2),
    pollIntervalMs: 100,
    workerP50Ms: Math.round(percentile(worker, 50)),
  };
}

export interface ApiRow {
  route: string;
  concurrency: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  ratioP50: number;
}

const NOOP =
  "export const handler = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' });";

/** A no-op Lambda on `GET /bench-noop` of the same REST API (added once; a redeploy of the stack removes it). */
async function addNoop(outputs: Outputs): Promise<string> {
  const config = emulatorClientConfig(outputs.endpoint);
  const lambda = new LambdaClient(config);
  const apigw = new APIGatewayClient(config);
  const name = `${outputs.functions.health.replace(/health$/, "")}benchNoop3`;
  const created = await lambda
    .send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: "arn:aws:iam::000000000000:role/bench-noop",
        MemorySize: 512,
        Timeout: 10,
        Architectures: ["x86_64"],
        Environment: { Variables: { NODE_OPTIONS: "--enable-source-maps" } },
        Code: { ZipFile: zipSync({ "index.mjs": new TextEncoder().encode(NOOP) }) },
      }),
    )
    .catch(async (error: Error) => {
      if (error.name !== "ResourceConflictException") throw error;
      return undefined;
    });
  await waitUntilFunctionActiveV2(
    { client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
    { FunctionName: name },
  );
  const arn = created?.FunctionArn ?? `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  const resources = await apigw.send(new GetResourcesCommand({ restApiId: outputs.apiId, limit: 500 }));
  const root = resources.items?.find((r) => r.path === "/");
  let resource = resources.items?.find((r) => r.path === "/bench-noop");
  // (a fresh stack each run: persist is off)
  if (!resource) {
    resource = await apigw.send(
      new CreateResourceCommand({ restApiId: outputs.apiId, parentId: root?.id, pathPart: "bench-noop" }),
    );
    const base = { restApiId: outputs.apiId, resourceId: resource.id, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
    await apigw.send(
      new PutIntegrationCommand({
        ...base,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`,
      }),
    );
    await apigw.send(new CreateDeploymentCommand({ restApiId: outputs.apiId, stageName: outputs.stage }));
  }
  return `${outputs.apiUrl}/bench-noop`;
}

async function measure(
  concurrency: number,
  requests: number,
  target: (i: number) => [string, Record<string, string>],
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const [url, headers] = target(next++);
        const t = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
        times.push(performance.now() - t);
      }
    }),
  );
  return times;
}

export async function apiLatency(outputs: Outputs, home: string, quick: boolean): Promise<ApiRow[]> {
  const noop = await addNoop(outputs);
  // Sixteen readers with ten images each: concurrent requests come from different users, as in real
  // traffic, so they do not all contend for one user's rate-limit counter.
  const readers = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const token = await signDevToken(`bench-api-${Date.now()}-${i}`, { home });
      const api = new PicstackClient({ baseUrl: outputs.apiUrl, token });
      let id = "";
      for (let k = 0; k < 10; k++)
        id = (await api.createImage({ filename: `a${k}.jpg`, contentType: "image/jpeg", size: 1000 })).image
          .id;
      return { headers: { Authorization: `Bearer ${token}` }, id };
    }),
  );
  const requests = quick ? 64 : 320;
  const rows: ApiRow[] = [];
  for (const [route, path] of [
    ["GET /images", () => "/images?limit=20"],
    ["GET /images/{id}", (id: string) => `/images/${id}`],
  ] as const) {
    for (const concurrency of [1, 16]) {
      const ours = (n: number) =>
        measure(concurrency, n, (i) => {
          const reader = readers[i % readers.length] as (typeof readers)[number];
          return [`${outputs.apiUrl}${path(reader.id)}`, reader.headers];
        });
      const bare = (n: number) => measure(concurrency, n, () => [noop, {}]);
      await ours(32);
      await bare(32);
      const a = await ours(requests);
      const b = await bare(requests);
      rows.push({
        route,
        concurrency,
        requests,
        p50Ms: round(percentile(a, 50)),
        p99Ms: round(percentile(a, 99)),
        bareP50Ms: round(percentile(b, 50)),
        bareP99Ms: round(percentile(b, 99)),
        ratioP50: round(percentile(a, 50) / percentile(b, 50), 2),
      });
    }
  }
  return rows;
}
