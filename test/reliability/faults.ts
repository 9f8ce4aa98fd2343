/**
 * Faults: the AI provider down, slow or answering garbage (a fake OpenAI-compatible server, the true
 * external edge); storage reads failing and DynamoDB throttling (test/faults/, inside the SDK's retry
 * loop, as PICSTACK_TEST_FAULTS plans them); a worker killed mid-batch. The pipeline must retry, every
 * image must end `ready` (its analysis `failed` where the provider failed) or `failed` with a code,
 * nothing may be lost, and no image may be worked on more often than its receives explain.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { testSettings, worker } from "@picstack/infrastructure";
import { INJECTED_FAULT_MESSAGE } from "../faults/faults.js";
import type { Context } from "./context.js";
import { assert, type Report, sleep } from "./harness.js";
import { photo } from "./hostile-files.js";
import {
  claimsOf,
  deadLetters,
  drainDeadLetters,
  setVisibilityTimeout,
  type Uploaded,
  upload,
  waitAllReady,
  waitForFinal,
} from "./pipeline.js";

const CATEGORY = "Faults";
type Mode = "valid" | "down" | "slow" | "garbage";

function fakeOpenAi(): { server: Server; mode: { value: Mode }; calls: { value: number } } {
  const mode = { value: "valid" as Mode };
  const calls = { value: 0 };
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the request
    }
    calls.value++;
    if (mode.value === "down") {
      res.writeHead(503, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { message: "overloaded", type: "server_error" } }));
      return;
    }
    if (mode.value === "slow") await sleep(8000);
    const content =
      mode.value === "garbage"
        ? '{"description": 42, "tags": "not a list", "extra": {'
        : JSON.stringify({ description: "A test photo.", tags: ["Test", "photo"], text: "" });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-reliability",
        object: "chat.completion",
        created: 0,
        model: "fake-vision",
        choices: [
          { index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } },
        ],
        usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 },
      }),
    );
  });
  return { server, mode, calls };
}

/** Faults the hooks have injected so far (they log one line each to the emulator's log). */
async function injectedFaults(ctx: Context): Promise<number> {
  if (!ctx.logFile) return 0;
  const text = await readFile(ctx.logFile, "utf8");
  return text.split(INJECTED_FAULT_MESSAGE).length - 1;
}

/**
 * The faults injected since `before`. The emulator may log a function's output only when its
 * invocation ends, after the images it processed are ready: wait a little for it.
 */
async function injectedSince(ctx: Context, before: number): Promise<number> {
  let injected = 0;
  for (let i = 0; i < 30 && injected === 0; i++) {
    if (i > 0) await sleep(500);
    injected = (await injectedFaults(ctx)) - before;
  }
  return injected;
}

async function batch(
  ctx: Context,
  user: string,
  count: number,
  sizes?: (i: number) => Buffer,
): Promise<Uploaded[]> {
  const token = await ctx.token(user);
  const base = await photo(640, 480);
  return Promise.all(
    Array.from({ length: count }, (_, i) => upload(ctx, token, `${user}-${i}.jpg`, sizes?.(i) ?? base)),
  );
}

export async function faults(ctx: Context, report: Report): Promise<void> {
  const fake = fakeOpenAi();
  await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", r));
  const baseURL = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
  // Short enough that a retried message comes back within the suite, longer than a worker's lease (60 s).
  const restoreVisibility = await setVisibilityTimeout(ctx, 65);
  const restoreProvider = await ctx.setEnvironment(["processUpload", "analyzeImage"], {
    PICSTACK_ANALYSIS_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-reliability-fake",
    OPENAI_BASE_URL: baseURL,
    PICSTACK_OPENAI_TIMEOUT_MS: "3000",
  });
  try {
    for (const mode of ["down", "slow", "garbage"] as const) {
      await report.check(
        CATEGORY,
        `AI provider ${mode}: images end ready, analysis failed, nothing lost`,
        async () => {
          fake.mode.value = mode;
          const images = await batch(ctx, `ai-${mode}-${Date.now()}`, 5);
          const finals = await waitForFinal(ctx, images, 150_000);
          assert(finals.size === images.length, `${images.length - finals.size} images never finished`);
          const states = [...finals.values()].map((f) => `${f.image.status}/${f.image.analysis.status}`);
          assert(
            states.every((s) => s === "ready/failed"),
            `states: ${states.join(", ")}`,
          );
          const codes = new Set([...finals.values()].map((f) => f.image.analysis.error?.code));
          const claims = [
            ...(
              await claimsOf(
                ctx,
                images.map((i) => i.id),
              )
            ).values(),
          ];
          assert(
            claims.every((c) => c === 1),
            `claims: ${claims.join(",")}`,
          );
          return `5/5 ready with analysis failed (${[...codes].join(", ")}); each claimed once`;
        },
      );
    }

    await report.check(
      CATEGORY,
      "after the provider recovers, POST /analyze completes the analysis",
      async () => {
        fake.mode.value = "down";
        const [image] = await batch(ctx, `ai-recover-${Date.now()}`, 1);
        assert(image, "no image");
        await waitForFinal(ctx, [image], 120_000);
        fake.mode.value = "valid";
        const answer = await ctx.call("POST", `/images/${image.id}/analyze`, { token: image.token });
        assert(answer.status === 202, `analyze: HTTP ${answer.status}`);
        let analysis = "pending";
        for (let i = 0; i < 60 && analysis !== "done"; i++) {
          await sleep(1000);
          analysis = (
            (await ctx.call("GET", `/images/${image.id}`, { token: image.token })).json as {
              analysis: { status: string };
            }
          ).analysis.status;
        }
        assert(analysis === "done", `analysis ${analysis}`);
        return "analysis done after the retry";
      },
    );
  } finally {
    fake.mode.value = "valid";
    await restoreProvider();
    fake.server.close();
  }

  try {
    for (const [name, plan, count] of [
      // Sizes at which "no fault at all" is too unlikely to happen (0.7^20 < 0.1%).
      ["storage reads failing 30% of attempts", { storageReadErrorRate: 0.3 }, 20],
      ["DynamoDB throttling 25% of calls", { dbThrottleRate: 0.25 }, 12],
    ] as const) {
      await report.check(CATEGORY, `${name}: every image ready, nothing lost`, async () => {
        const restore = await ctx.setEnvironment(["processUpload"], {
          [testSettings.faults]: JSON.stringify(plan),
        });
        const before = await injectedFaults(ctx);
        try {
          const images = await batch(ctx, `fault-${Object.keys(plan)[0]}-${Date.now()}`, count);
          await waitAllReady(ctx, images, 240_000);
          const claims = [
            ...(
              await claimsOf(
                ctx,
                images.map((i) => i.id),
              )
            ).values(),
          ];
          const retried = claims.filter((c) => c > 1).length;
          assert(
            claims.every((c) => c >= 1 && c <= 3),
            `claims: ${claims.join(",")}`,
          );
          const injected = await injectedSince(ctx, before);
          assert(injected > 0, "no fault was injected");
          return `${count}/${count} ready after ${injected} injected faults; ${retried} images needed a second receive, SDK retries absorbed the rest`;
        } finally {
          await restore();
        }
      });
    }

    await report.check(
      CATEGORY,
      "a worker killed mid-batch: its batch is retried, every image ready once",
      async () => {
        const base = await photo(640, 480);
        const victim = Buffer.concat([base, Buffer.alloc(1)]); // a unique size marks the file to die on
        const restore = await ctx.setEnvironment(["processUpload"], {
          [testSettings.faults]: JSON.stringify({ killWorkerOnOriginalBytes: victim.length }),
        });
        try {
          const token = await ctx.token(`fault-kill-${Date.now()}`);
          const images = await Promise.all(
            Array.from({ length: 5 }, (_, i) => upload(ctx, token, `kill-${i}.jpg`, i === 2 ? victim : base)),
          );
          await waitAllReady(ctx, images, 240_000);
          const claims = await claimsOf(
            ctx,
            images.map((i) => i.id),
          );
          const victimId = images[2]?.id ?? "";
          assert(
            (claims.get(victimId) ?? 0) === 2,
            `the killed image was claimed ${claims.get(victimId)} times`,
          );
          // Images are claimed when their image step starts, one at a time: the killed worker had claimed
          // only the image it died on.
          const others = images.filter((i) => i.id !== victimId).map((i) => claims.get(i.id) ?? 0);
          assert(
            others.every((c) => c === 1),
            `others claimed ${others.join(",")}`,
          );
          return `5/5 ready; the killed image was claimed twice (once by the killed worker), the others once each`;
        } finally {
          await restore();
        }
      },
    );

    await report.check(
      CATEGORY,
      "a function without the test hooks refuses a fault plan: its cold start fails, naming the setting",
      async () => {
        // As a deployed function runs: nothing preloaded, so the hooks that would read the plan are absent.
        const restore = await ctx.setEnvironment(["health"], {
          NODE_OPTIONS: undefined,
          [testSettings.faults]: JSON.stringify({ dbThrottleRate: 1 }),
        });
        try {
          const answer = await ctx.lambda.send(
            new InvokeCommand({ FunctionName: ctx.outputs.functions.health, Payload: "{}" }),
          );
          const payload = new TextDecoder().decode(answer.Payload);
          assert(answer.FunctionError, `health answered: ${payload.slice(0, 160)}`);
          assert(
            payload.includes(`${testSettings.faults}: a test-only setting`),
            `the failure does not name the setting: ${payload.slice(0, 200)}`,
          );
          return `${answer.FunctionError}: ${testSettings.faults} refused at cold start`;
        } finally {
          await restore();
        }
      },
    );

    await report.check(CATEGORY, "no message reached the dead-letter queue", async () => {
      const count = await deadLetters(ctx);
      assert(count === 0, `${count} messages in the DLQ`);
      return "0 messages";
    });
  } finally {
    await restoreVisibility();
  }

  await report.check(
    CATEGORY,
    "a file that kills its worker on every receive: it ends failed, its neighbours ready, its message in the DLQ",
    async () => {
      // A shorter invocation and visibility timeout keep four receives inside the suite; the declaration's
      // rule holds (visibility above the function's timeout, and a lease that ends with the invocation).
      const name = ctx.outputs.functions.processUpload;
      const before = await ctx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      const setTimeout = async (seconds: number) => {
        await ctx.lambda.send(
          new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: seconds }),
        );
        await waitUntilFunctionUpdatedV2(
          { client: ctx.lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
          { FunctionName: name },
        );
      };
      const base = await photo(640, 480);
      const victim = Buffer.concat([base, Buffer.alloc(2)]);
      const dlqBefore = await deadLetters(ctx);
      await setTimeout(SHORT_TIMEOUT_SECONDS);
      const restoreShort = await setVisibilityTimeout(ctx, SHORT_TIMEOUT_SECONDS + 5);
      const restore = await ctx.setEnvironment(["processUpload"], {
        [testSettings.faults]: JSON.stringify({ killWorkerAlwaysOnOriginalBytes: victim.length }),
      });
      const started = Date.now();
      try {
        const token = await ctx.token(`fault-poison-${Date.now()}`);
        const images = await Promise.all(
          Array.from({ length: 5 }, (_, i) => upload(ctx, token, `poison-${i}.jpg`, i === 0 ? victim : base)),
        );
        const finals = await waitForFinal(ctx, images, 300_000);
        assert(finals.size === images.length, `${images.length - finals.size} images never finished`);
        const victimId = images[0]?.id ?? "";
        const victimFinal = finals.get(victimId)?.image;
        assert(
          victimFinal?.status === "failed" && victimFinal.error?.code === "retries_exhausted",
          `the poison image is ${victimFinal?.status}/${victimFinal?.error?.code}`,
        );
        const others = images.filter((i) => i.id !== victimId).map((i) => finals.get(i.id)?.image.status);
        assert(
          others.every((s) => s === "ready"),
          `neighbours: ${others.join(", ")}`,
        );
        const claims = await claimsOf(ctx, [victimId]);
        assert(
          claims.get(victimId) === worker.processingAttempts,
          `the poison image was claimed ${claims.get(victimId)} times`,
        );
        let dlq = 0;
        for (let i = 0; i < 60 && dlq <= dlqBefore; i++) {
          await sleep(1000);
          dlq = await deadLetters(ctx);
        }
        assert(dlq === dlqBefore + 1, `${dlq - dlqBefore} new messages in the DLQ`);
        // Seen where operators would see it; now out of the way of the categories that follow.
        await drainDeadLetters(ctx);
        const seconds = ((Date.now() - started) / 1000).toFixed(0);
        return `failed with retries_exhausted after ${claims.get(victimId)} claims, 4/4 neighbours ready, 1 message in the DLQ, ${seconds} s`;
      } finally {
        await restore();
        await restoreShort();
        await setTimeout(before.Timeout ?? 60);
      }
    },
  );
}

/** The function's timeout for the poison-file check: four receives fit in about two minutes. */
const SHORT_TIMEOUT_SECONDS = 20;
