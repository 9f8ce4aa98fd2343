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
  const name = `${outputs.functions.health.replace(/health$/, "")}benchNoop`;
  const created = await lambda
    .send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: "arn:aws:iam::000000000000:role/bench-noop",
        MemorySize: 512,
        Timeout: 10,
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
  url: string,
  headers: Record<string, string>,
  concurrency: number,
  requests: number,
): Promise<number[]> {
  const times: number[] = [];
  let left = requests;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
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
  // A reader with 30 images, and generous rate limits are not what is measured: each request is its own user's.
  const user = `bench-api-${Date.now()}`;
  const token = await signDevToken(user, { home });
  const api = new PicstackClient({ baseUrl: outputs.apiUrl, token });
  let id = "";
  for (let i = 0; i < 30; i++)
    id = (await api.createImage({ filename: `a${i}.jpg`, contentType: "image/jpeg", size: 1000 })).image.id;
  const requests = quick ? 60 : 300;
  const rows: ApiRow[] = [];
  for (const [route, path] of [
    ["GET /images", "/images?limit=20"],
    ["GET /images/{id}", `/images/${id}`],
  ] as const) {
    for (const concurrency of [1, 16]) {
      // Many users, so the per-user rate limit is never what is measured.
      const tokens = await Promise.all(
        Array.from({ length: 4 }, (_, i) => signDevToken(`${user}-r${i}`, { home })),
      );
      const headers = {
        Authorization: `Bearer ${route === "GET /images" ? tokens[concurrency % 4] : token}`,
      };
      await measure(`${outputs.apiUrl}${path}`, headers, concurrency, 20);
      await measure(noop, {}, concurrency, 20);
      const ours = await measure(`${outputs.apiUrl}${path}`, headers, concurrency, requests);
      const bare = await measure(noop, {}, concurrency, requests);
      rows.push({
        route,
        concurrency,
        requests,
        p50Ms: round(percentile(ours, 50)),
        p99Ms: round(percentile(ours, 99)),
        bareP50Ms: round(percentile(bare, 50)),
        bareP99Ms: round(percentile(bare, 99)),
        ratioP50: round(percentile(ours, 50) / percentile(bare, 50), 2),
      });
    }
  }
  return rows;
}
