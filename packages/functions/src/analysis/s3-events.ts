/**
 * S3 notifications as they arrive in SQS message bodies. Real S3 URL-encodes keys (`a+b.jpg`,
 * `%C3%A9`); some emulators send them raw. Both decode to the same key.
 */
import * as z from "zod";

const s3Record = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional() }),
  }),
});

const notification = z.union([
  z.object({ Event: z.literal("s3:TestEvent") }).loose(),
  z.object({ Records: z.array(s3Record) }).loose(),
]);

export interface UploadedObject {
  bucket: string;
  key: string;
  size?: number;
}

export function decodeS3Key(key: string): string {
  const plusAsSpace = key.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plusAsSpace);
  } catch {
    // Not percent-encoded after all (a raw key with a lone `%`).
    return key;
  }
}

/** The created objects a message body announces; `[]` for test events. Throws on a body that is not one. */
export function parseS3Notification(body: string): UploadedObject[] {
  const parsed = notification.parse(JSON.parse(body));
  if ("Event" in parsed) return [];
  return parsed.Records.filter((r) => r.eventName.startsWith("ObjectCreated:")).map((r) => {
    const object: UploadedObject = { bucket: r.s3.bucket.name, key: decodeS3Key(r.s3.object.key) };
    if (r.s3.object.size !== undefined) object.size = r.s3.object.size;
    return object;
  });
}

const analyzeMessage = z.strictObject({ picstack: z.literal("analyze"), imageId: z.string().min(1).max(64) });

export type QueueMessage =
  | { kind: "uploads"; uploads: UploadedObject[] }
  | { kind: "analyze"; imageId: string };

/** An analysis-queue message: S3 upload notifications, or a request to analyze an image again. */
export function parseQueueMessage(body: string): QueueMessage {
  const value = JSON.parse(body) as { picstack?: unknown };
  if (value && typeof value === "object" && "picstack" in value) {
    return { kind: "analyze", imageId: analyzeMessage.parse(value).imageId };
  }
  return { kind: "uploads", uploads: parseS3Notification(body) };
}
