/**
 * Presigned uploads misused: storage must refuse each one, and the image record must stay `pending`
 * with nothing stored under its key; a URL used a second time after its image is ready must be refused,
 * and the image must keep the bytes it was checked with.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { Context } from "./context.js";
import { assert, type Report, sleep } from "./harness.js";

const CATEGORY = "Presigned uploads";

interface Created {
  image: { id: string; status: string };
  upload: { url: string; headers?: Record<string, string> };
}

export async function presignedUploads(ctx: Context, report: Report, photo: Buffer): Promise<void> {
  const token = await ctx.token("presigned-user");
  const create = async (size = photo.byteLength): Promise<Created> => {
    const answer = await ctx.call("POST", "/images", {
      token,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ filename: "p.jpg", contentType: "image/jpeg", size }),
    });
    assert(answer.status === 201, `create: HTTP ${answer.status}`);
    return answer.json as Created;
  };
  const put = (url: string, body: Uint8Array, headers: Record<string, string>) =>
    fetch(url, { method: "PUT", body, headers });
  const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.split("/").slice(2).join("/"));

  async function expectRefusedAndConsistent(created: Created, response: Response): Promise<string> {
    assert(response.status >= 400 && response.status < 500, `storage answered HTTP ${response.status}`);
    await sleep(1500); // an accepted upload would have been picked up by now
    const image = await ctx.call("GET", `/images/${created.image.id}`, { token });
    assert(
      (image.json as { status: string }).status === "pending",
      `image is ${(image.json as { status: string }).status}`,
    );
    const stored = await ctx.s3
      .send(new HeadObjectCommand({ Bucket: ctx.outputs.bucket, Key: keyOf(created.upload.url) }))
      .then(() => true)
      .catch(() => false);
    assert(!stored, "an object was stored under the image's key");
    return `storage ${response.status}; image still pending, nothing stored`;
  }

  await report.check(CATEGORY, "expired URL", async () => {
    const restore = await ctx.setEnvironment(["createImage"], { PICSTACK_UPLOAD_TTL_SECONDS: "1" });
    let created: Created;
    try {
      created = await create();
    } finally {
      await restore();
    }
    await sleep(2500);
    return expectRefusedAndConsistent(
      created,
      await put(created.upload.url, photo, { ...created.upload.headers }),
    );
  });

  await report.check(CATEGORY, "tampered signature", async () => {
    const created = await create();
    const url = new URL(created.upload.url);
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set(
      "X-Amz-Signature",
      `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`,
    );
    return expectRefusedAndConsistent(
      created,
      await put(url.toString(), photo, { ...created.upload.headers }),
    );
  });

  await report.check(CATEGORY, "another content type", async () => {
    const created = await create();
    return expectRefusedAndConsistent(
      created,
      await put(created.upload.url, photo, { ...created.upload.headers, "Content-Type": "text/html" }),
    );
  });

  await report.check(CATEGORY, "more bytes than declared", async () => {
    const created = await create(photo.byteLength - 100);
    return expectRefusedAndConsistent(
      created,
      await put(created.upload.url, photo, { ...created.upload.headers }),
    );
  });

  await report.check(CATEGORY, "fewer bytes than declared", async () => {
    const created = await create(photo.byteLength + 100);
    return expectRefusedAndConsistent(
      created,
      await put(created.upload.url, photo, { ...created.upload.headers }),
    );
  });

  await report.check(CATEGORY, "a key other than the one issued", async () => {
    const created = await create();
    const other = await create();
    // The first URL's query (signature) on the second image's key.
    const forged = new URL(created.upload.url);
    forged.pathname = new URL(other.upload.url).pathname;
    const response = await put(forged.toString(), photo, { ...created.upload.headers });
    await expectRefusedAndConsistent(other, response);
    return expectRefusedAndConsistent(created, response);
  });

  await report.check(CATEGORY, "the untouched URL still works", async () => {
    const created = await create();
    const response = await put(created.upload.url, photo, { ...created.upload.headers });
    assert(response.ok, `HTTP ${response.status}`);
    return `storage ${response.status}`;
  });

  await report.check(CATEGORY, "used twice: a second PUT after the image is ready", async () => {
    const created = await create();
    const first = await put(created.upload.url, photo, { ...created.upload.headers });
    assert(first.ok, `first PUT: HTTP ${first.status}`);
    let status = "pending";
    for (let i = 0; i < 60 && status !== "ready" && status !== "failed"; i++) {
      await sleep(500);
      status = ((await ctx.call("GET", `/images/${created.image.id}`, { token })).json as { status: string })
        .status;
    }
    assert(status === "ready", `image is ${status}`);
    // Other bytes of the same size: a picture the worker never saw.
    const swapped = Buffer.from(photo);
    for (let i = 600; i < 700; i++) swapped[i] = (swapped[i] as number) ^ 0xff;
    const second = await put(created.upload.url, swapped, { ...created.upload.headers });
    assert(second.status === 412, `second PUT: HTTP ${second.status}`);
    await sleep(1500); // a stored PUT would have been picked up by now
    const image = (await ctx.call("GET", `/images/${created.image.id}`, { token })).json as {
      status: string;
      urls: { original?: string };
    };
    assert(image.status === "ready" && image.urls.original, `image is ${image.status}`);
    const served = new Uint8Array(await (await fetch(image.urls.original)).arrayBuffer());
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    assert(sha(served) === sha(photo), "the original no longer has the uploaded bytes");
    return `storage ${second.status}; image still ready, original has the uploaded SHA-256`;
  });
}
