/** POST /images: a pending image and its presigned upload. */
import { createImageInput, createUpload } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { http, json } from "./middleware.js";

export const handler = http(
  { auth: true, rateLimit: "write", body: createImageInput },
  async ({ userId, body }) => {
    const result = await createUpload(
      { ...imageDeps(), maxUploadBytes: config().maxUploadBytes },
      userId,
      body,
    );
    return json(201, result, { Location: `/images/${result.image.id}` });
  },
);
