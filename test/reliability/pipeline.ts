/** Uploading through the API and waiting for final states, shared by the fault and load categories. */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { imageKey } from "@picstack/adapters";
import type { Context } from "./context.js";
import { assert, sleep } from "./harness.js";

export interface Uploaded {
  id: string;
  token: string;
  uploadedAt: number;
}

export interface FinalImage {
  id: string;
  status: string;
  error?: { code: string };
  analysis: { status: string; error?: { code: string } };
}

export async function upload(
  ctx: Context,
  token: string,
  name: string,
  data: Buffer,
  contentType = "image/jpeg",
): Promise<Uploaded> {
  const answer = await ctx.call("POST", "/images", {
    token,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ filename: name, contentType, size: data.length }),
  });
  assert(answer.status === 201, `create ${name}: HTTP ${answer.status} ${answer.text.slice(0, 120)}`);
  const created = answer.json as {
    image: { id: string };
    upload: { url: string; headers?: Record<string, string> };
  };
  for (let attempt = 0; ; attempt++) {
    const put = await fetch(created.upload.url, {
      method: "PUT",
      body: data,
      headers: { ...created.upload.headers },
    });
    if (put.ok) break;
    assert(attempt < 3 && put.status >= 500, `upload ${name}: HTTP ${put.status}`);
  }
  return { id: created.image.id, token, uploadedAt: Date.now() };
}

/** Waits for every image to be final and asserts each ended `ready`; returns when each got there. */
export async function waitAllReady(
  ctx: Context,
  images: Uploaded[],
  timeoutMs: number,
): Promise<Map<string, { image: FinalImage; at: number }>> {
  const finals = await waitForFinal(ctx, images, timeoutMs);
  assert(finals.size === images.length, `${images.length - finals.size} images never finished`);
  const states = [...finals.values()].map((f) => f.image.status);
  assert(
    states.every((s) => s === "ready"),
    `states: ${states.join(", ")}`,
  );
  return finals;
}

/** Polls until every image is final (failed, or ready with its analysis run); returns when each got there. */
export async function waitForFinal(
  ctx: Context,
  images: Uploaded[],
  timeoutMs: number,
): Promise<Map<string, { image: FinalImage; at: number }>> {
  const finals = new Map<string, { image: FinalImage; at: number }>();
  const deadline = Date.now() + timeoutMs;
  const wanted = new Set(images.map((i) => i.id));
  const record = (image: FinalImage) => {
    if (!wanted.has(image.id)) return;
    if (image.status === "failed" || (image.status === "ready" && image.analysis.status !== "pending")) {
      if (!finals.has(image.id)) finals.set(image.id, { image, at: Date.now() });
    }
  };
  while (finals.size < images.length && Date.now() < deadline) {
    const pending = images.filter((i) => !finals.has(i.id));
    const byUser = new Map<string, Uploaded[]>();
    for (const u of pending) byUser.set(u.token, [...(byUser.get(u.token) ?? []), u]);
    await Promise.all(
      [...byUser].map(async ([token, mine]) => {
        if (mine.length <= 3) {
          for (const u of mine)
            record((await ctx.call("GET", `/images/${u.id}`, { token })).json as FinalImage);
          return;
        }
        // Many images of one user: list them, a page of 100 at a time, instead of one GET each.
        let cursor: string | null = null;
        do {
          const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
          const page = (await ctx.call("GET", `/images?limit=100${query}`, { token })).json as {
            items: FinalImage[];
            nextCursor: string | null;
          };
          for (const image of page.items) record(image);
          cursor = page.nextCursor;
        } while (cursor);
      }),
    );
    if (finals.size < images.length) await sleep(500);
  }
  return finals;
}

/** How many times workers claimed each image (the repository's `claims` counter). */
export async function claimsOf(ctx: Context, ids: string[]): Promise<Map<string, number>> {
  const claims = new Map<string, number>();
  for (const id of ids) {
    const item = await ctx.documents.send(
      new GetCommand({ TableName: ctx.outputs.table, Key: imageKey(id) }),
    );
    claims.set(id, Number(item.Item?.claims ?? 0));
  }
  return claims;
}

/**
 * Takes every message off the dead-letter queue, for a check that put one there on purpose: the
 * categories after it expect the queue as the suite found it.
 */
export async function drainDeadLetters(ctx: Context): Promise<number> {
  let drained = 0;
  for (let round = 0; round < 10; round++) {
    const received = await ctx.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: ctx.outputs.deadLetterQueue,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0 && (await deadLetters(ctx)) === 0) break;
    for (const message of messages) {
      await ctx.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: ctx.outputs.deadLetterQueue,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      drained++;
    }
  }
  return drained;
}

export async function deadLetters(ctx: Context): Promise<number> {
  const attributes = await ctx.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: ctx.outputs.deadLetterQueue,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Sets the analysis queue's visibility timeout; returns a function that puts the old one back. */
export async function setVisibilityTimeout(ctx: Context, seconds: number): Promise<() => Promise<void>> {
  const before = await ctx.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: ctx.outputs.queue, AttributeNames: ["VisibilityTimeout"] }),
  );
  const set = (value: string) =>
    ctx.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: ctx.outputs.queue,
        Attributes: { VisibilityTimeout: value },
      }),
    );
  await set(String(seconds));
  return async () => {
    await set(before.Attributes?.VisibilityTimeout ?? "360");
  };
}
