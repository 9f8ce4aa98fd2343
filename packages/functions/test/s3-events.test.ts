import { describe, expect, it } from "vitest";
import { decodeS3Key, parseS3Notification } from "../src/analysis/s3-events.js";

const record = (key: string, eventName = "ObjectCreated:Put") => ({
  eventName,
  s3: { bucket: { name: "b" }, object: { key, size: 3 } },
});

describe("S3 notifications from SQS", () => {
  it("skips the test event S3 sends when a notification is configured", () => {
    expect(
      parseS3Notification(JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "b" })),
    ).toEqual([]);
  });

  it("decodes URL-encoded keys the way S3 sends them, and keeps raw keys", () => {
    expect(decodeS3Key("images/a+b%C3%A9.jpg")).toBe("images/a bé.jpg");
    expect(decodeS3Key("images/a b.jpg")).toBe("images/a b.jpg");
    expect(decodeS3Key("images/100%.jpg")).toBe("images/100%.jpg");
  });

  it("returns created objects only, with bucket, decoded key and size", () => {
    const body = JSON.stringify({
      Records: [record("images/x%2By.jpg"), record("images/gone.jpg", "ObjectRemoved:Delete")],
    });
    expect(parseS3Notification(body)).toEqual([{ bucket: "b", key: "images/x+y.jpg", size: 3 }]);
  });

  it("throws on a body that is not an S3 notification, so the message is retried and dead-lettered", () => {
    expect(() => parseS3Notification("not json")).toThrow();
    expect(() => parseS3Notification(JSON.stringify({ hello: "world" }))).toThrow();
  });
});
