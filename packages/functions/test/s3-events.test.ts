/**
 * S3 notifications as SQS delivers them: whole bodies, URL-encoded keys (real S3) and raw ones (some
 * emulators); and the analysis queue's other message kind.
 */
import { describe, expect, it } from "vitest";
import { parseQueueMessage, parseS3Notification } from "../src/analysis/s3-events.js";

function s3Record(key: string, eventName = "ObjectCreated:Put", size: number | null = 1234) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventTime: "2026-03-04T05:06:07.000Z",
    eventName,
    s3: {
      s3SchemaVersion: "1.0",
      bucket: { name: "picstack-uploads", arn: "arn:aws:s3:::picstack-uploads" },
      object: { key, ...(size === null ? {} : { size }), eTag: "abc", sequencer: "0A1B" },
    },
  };
}

const body = (...records: unknown[]) => JSON.stringify({ Records: records });

describe("parseS3Notification", () => {
  it("returns nothing for the s3:TestEvent S3 sends when the notification is set up", () => {
    // Prepare
    const test = JSON.stringify({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2026-03-04T05:06:07.000Z",
      Bucket: "picstack-uploads",
      RequestId: "R",
      HostId: "H",
    });
    // Act / Assess
    expect(parseS3Notification(test)).toEqual([]);
  });

  it.each([
    ["images/a+b%C3%A9.jpg", "images/a bé.jpg"],
    ["images/a b.jpg", "images/a b.jpg"],
    ["images/100%.jpg", "images/100%.jpg"],
    ["images/50%off+sale.jpg", "images/50%off+sale.jpg"],
    ["images/x%2By.jpg", "images/x+y.jpg"],
    ["images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg", "images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg"],
  ])("decodes the key %j to %j", (sent, key) => {
    // Act
    const objects = parseS3Notification(body(s3Record(sent)));
    // Assess
    expect(objects).toEqual([{ bucket: "picstack-uploads", key, size: 1234 }]);
  });

  it("keeps every kind of creation and drops removals, restores and expiries, in order", () => {
    // Prepare
    const records = [
      s3Record("images/put.jpg", "ObjectCreated:Put"),
      s3Record("images/gone.jpg", "ObjectRemoved:Delete", null),
      s3Record("images/post.jpg", "ObjectCreated:Post"),
      s3Record("images/marker.jpg", "ObjectRemoved:DeleteMarkerCreated", null),
      s3Record("images/copy.jpg", "ObjectCreated:Copy"),
      s3Record("images/restored.jpg", "ObjectRestore:Completed"),
      s3Record("images/multi.jpg", "ObjectCreated:CompleteMultipartUpload"),
      s3Record("images/expired.jpg", "LifecycleExpiration:Delete", null),
    ];
    // Act
    const keys = parseS3Notification(body(...records)).map((o) => o.key);
    // Assess
    expect(keys).toEqual(["images/put.jpg", "images/post.jpg", "images/copy.jpg", "images/multi.jpg"]);
  });

  it("leaves size out when the record has none", () => {
    // Act
    const [object] = parseS3Notification(body(s3Record("images/a.jpg", "ObjectCreated:Put", null)));
    // Assess
    expect(object).toEqual({ bucket: "picstack-uploads", key: "images/a.jpg" });
    expect(object).not.toHaveProperty("size");
  });

  it("returns nothing for an empty Records list", () => {
    // Act / Assess
    expect(parseS3Notification(body())).toEqual([]);
  });

  it.each([
    ["not JSON", "<xml/>"],
    ["truncated JSON", body(s3Record("images/a.jpg")).slice(0, 40)],
    ["JSON null", "null"],
    ["an empty object", "{}"],
    ["another test event", JSON.stringify({ Event: "s3:SomethingElse" })],
    ["Records that is not a list", JSON.stringify({ Records: {} })],
    ["a record without s3", JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put" }] })],
    [
      "a key that is not a string",
      JSON.stringify({ Records: [{ ...s3Record("x"), s3: { bucket: { name: "b" }, object: { key: 7 } } }] }),
    ],
    [
      "a size that is not a number",
      JSON.stringify({
        Records: [{ ...s3Record("x"), s3: { bucket: { name: "b" }, object: { key: "k", size: "9" } } }],
      }),
    ],
  ])("throws on %s, so the message is retried and dead-lettered", (_, text) => {
    // Act / Assess
    expect(() => parseS3Notification(text)).toThrow();
  });
});

describe("parseQueueMessage", () => {
  it("reads a re-analysis request", () => {
    // Act / Assess
    expect(parseQueueMessage(JSON.stringify({ picstack: "analyze", imageId: "img1" }))).toEqual({
      kind: "analyze",
      imageId: "img1",
    });
  });

  it("reads an S3 notification as uploads", () => {
    // Act / Assess
    expect(parseQueueMessage(body(s3Record("images/a%20b.jpg")))).toEqual({
      kind: "uploads",
      uploads: [{ bucket: "picstack-uploads", key: "images/a b.jpg", size: 1234 }],
    });
  });

  it.each([
    ["an unknown picstack kind", { picstack: "delete", imageId: "img1" }],
    ["an empty image id", { picstack: "analyze", imageId: "" }],
    ["an image id over 64 characters", { picstack: "analyze", imageId: "x".repeat(65) }],
    ["an extra field", { picstack: "analyze", imageId: "img1", userId: "mallory" }],
  ])("throws on a request with %s", (_, message) => {
    // Act / Assess
    expect(() => parseQueueMessage(JSON.stringify(message))).toThrow();
  });

  it("throws on a body that is neither", () => {
    // Act / Assess
    expect(() => parseQueueMessage("garbage")).toThrow();
    expect(() => parseQueueMessage(JSON.stringify({ hello: "world" }))).toThrow();
  });
});
