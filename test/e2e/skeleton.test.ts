/**
 * The walking skeleton through the real path on MiniStack: API Gateway → Lambda → presigned S3 upload
 * → S3 notification → SQS → analysis Lambda (sharp) → DynamoDB → API Gateway.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { DEFAULT_MAX_UPLOAD_BYTES } from "@picstack/core";
import { routes } from "@picstack/infrastructure";
import sharp from "sharp";
import { describe, expect, inject, it } from "vitest";
import { api, expectError, outputs, photoJpeg, s3, tokenFor, waitForStatus } from "./helpers.js";

interface CreateResponse {
  image: { id: string; status: string; contentType: string; size: number };
  upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
}

async function createImage(token: string, bytes: Buffer, contentType = "image/jpeg", filename = "photo.jpg") {
  const response = await api<CreateResponse>("POST", "/images", {
    token,
    body: { filename, contentType, size: bytes.byteLength },
  });
  expect(response.status).toBe(201);
  return response.body;
}

function put(
  upload: CreateResponse["upload"],
  body: Buffer,
  headers: Record<string, string> = upload.headers,
) {
  return fetch(upload.url, { method: "PUT", headers, body });
}

describe("local stack outputs", () => {
  it("writes .picstack outputs with the contract's keys", async () => {
    // Act
    const written = JSON.parse(await readFile(join(inject("home"), "outputs.json"), "utf8"));
    // Assess
    for (const key of ["apiUrl", "webUrl", "bucket", "table", "queue", "region", "endpoint"]) {
      expect(written[key], key).toEqual(expect.any(String));
    }
    expect(written.apiUrl).toBe(outputs().apiUrl);
  });

  it("serves the web page on webUrl", async () => {
    const response = await fetch(outputs().webUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Picstack");
  });
});

describe("GET /health", () => {
  it("reports the table, bucket and queue reachable, without a token", async () => {
    const response = await api("GET", "/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok", checks: { table: "ok", bucket: "ok", queue: "ok" } });
    expect(response.headers.get("access-control-allow-origin")).toBe(outputs().webUrl);
  });
});

describe("auth", () => {
  it("refuses a request without a bearer token with a JSON 401", async () => {
    const response = await api("GET", "/images/01m819gdvpkk9mqydbm4k3rth8");
    expectError(response, 401, "unauthorized");
  });

  it("refuses a token that is not signed by the local issuer", async () => {
    const [header, payload] = (await tokenFor("mallory")).split(".");
    const response = await api("GET", "/images/01m819gdvpkk9mqydbm4k3rth8", {
      headers: { Authorization: `Bearer ${header}.${payload}.AAAA` },
    });
    expectError(response, 401, "unauthorized");
  });
});

describe("POST /images validation", () => {
  it("answers 415 for a type outside the list and 413 over the maximum", async () => {
    const token = await tokenFor("validator");
    expectError(
      await api("POST", "/images", {
        token,
        body: { filename: "a.svg", contentType: "image/svg+xml", size: 10 },
      }),
      415,
      "unsupported_media_type",
    );
    expectError(
      await api("POST", "/images", {
        token,
        body: { filename: "big.jpg", contentType: "image/jpeg", size: DEFAULT_MAX_UPLOAD_BYTES + 1 },
      }),
      413,
      "payload_too_large",
    );
  });

  it("answers 400 for unknown fields and for a body that is not JSON", async () => {
    const token = await tokenFor("validator");
    expectError(
      await api("POST", "/images", {
        token,
        body: { filename: "a.jpg", contentType: "image/jpeg", size: 10, owner: "someone-else" },
      }),
      400,
      "validation_error",
    );
    expectError(
      await api("POST", "/images", {
        token,
        rawBody: "{not json",
        headers: { "Content-Type": "application/json" },
      }),
      400,
      "invalid_json",
    );
  });
});

describe("upload to ready", () => {
  it("makes WebP thumbnails of an uploaded JPEG and serves them through presigned URLs", async () => {
    // Prepare
    const token = await tokenFor("alice");
    const jpeg = await photoJpeg(1600, 1200);
    const created = await createImage(token, jpeg);
    expect(created.image.status).toBe("pending");
    expect(created.upload.method).toBe("PUT");
    expect(new Date(created.upload.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);

    // Act
    const uploaded = await put(created.upload, jpeg);
    const image = await waitForStatus(token, created.image.id, ["ready", "failed"]);

    // Assess
    expect(uploaded.status).toBe(200);
    expect(image).toMatchObject({
      id: created.image.id,
      status: "ready",
      width: 1600,
      height: 1200,
      format: "jpeg",
      exif: { camera: "PicstackCam E2E" },
      thumbnails: { thumb: { width: 256, height: 192 }, preview: { width: 1024, height: 768 } },
    });
    const urls = image.urls as Record<string, string>;
    const thumb = Buffer.from(await (await fetch(urls.thumb as string)).arrayBuffer());
    const meta = await sharp(thumb).metadata();
    expect(meta.format).toBe("webp");
    expect([meta.width, meta.height]).toEqual([256, 192]);
    expect(meta.exif).toBeUndefined();
    const original = await fetch(urls.original as string);
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it("hides one user's image from another behind the same 404 as a missing one", async () => {
    const alice = await tokenFor("alice");
    const bob = await tokenFor("bob");
    const created = await createImage(alice, await photoJpeg(64, 48));

    const asBob = await api("GET", `/images/${created.image.id}`, { token: bob });
    const missing = await api("GET", "/images/01m819gdvpkk9mqydbm4k3rth9", { token: bob });

    expectError(asBob, 404, "image_not_found");
    expect(asBob.body).toEqual(missing.body);
  });
});

describe("presigned upload binding", () => {
  it("is refused by storage for another content type or another size", async () => {
    const token = await tokenFor("carol");
    const jpeg = await photoJpeg(64, 48);
    const created = await createImage(token, jpeg);

    const otherType = await put(created.upload, jpeg, { "Content-Type": "image/png" });
    const moreBytes = await put(created.upload, Buffer.concat([jpeg, Buffer.from("extra")]));
    const tampered = await fetch(
      created.upload.url.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000"),
      {
        method: "PUT",
        headers: created.upload.headers,
        body: jpeg,
      },
    );

    expect(otherType.status).toBe(403);
    expect(moreBytes.status).toBe(403);
    expect(tampered.status).toBe(403);
    const image = await api<{ status: string }>("GET", `/images/${created.image.id}`, { token });
    expect(image.body.status).toBe("pending");
  });
});

describe("bytes that are not an image", () => {
  it("end failed with a code and leave no bytes in the bucket", async () => {
    // Prepare
    const token = await tokenFor("dave");
    const text = Buffer.from("this is a text file pretending to be a PNG\n".repeat(20));
    const created = await createImage(token, text, "image/png", "fake.png");

    // Act
    expect((await put(created.upload, text)).status).toBe(200);
    const image = await waitForStatus(token, created.image.id, ["ready", "failed"]);

    // Assess
    expect(image.status).toBe("failed");
    expect(image.error).toMatchObject({ code: "unsupported_format" });
    expect(image.urls).toEqual({});
    const key = `images/${(image.createdAt as string).slice(0, 4)}/${(image.createdAt as string).slice(5, 7)}/${created.image.id}.png`;
    await expect(
      s3().send(new HeadObjectCommand({ Bucket: outputs().bucket, Key: key })),
    ).rejects.toMatchObject({
      name: "NotFound",
    });
  });
});

describe("CORS", () => {
  it.each([...new Set(routes.map((r) => r.path))])(
    "answers the preflight of %s for the web origin with its methods",
    async (path) => {
      const concrete = path.replace("{id}", "01m819gdvpkk9mqydbm4k3rth8");
      const response = await fetch(`${outputs().apiUrl}${concrete}`, {
        method: "OPTIONS",
        headers: { Origin: outputs().webUrl, "Access-Control-Request-Method": "GET" },
      });
      expect(response.status).toBeLessThan(300);
      expect(response.headers.get("access-control-allow-origin")).toBe(outputs().webUrl);
      const allowed = (response.headers.get("access-control-allow-methods") ?? "").split(",");
      for (const route of routes.filter((r) => r.path === path)) expect(allowed).toContain(route.method);
      expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
    },
  );
});
