/** PATCH /images/{id}: change the note and/or the tags. */
import { updateImage, updateImageInput } from "@picstack/core";
import { imageDeps } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http(
  { auth: true, rateLimit: "write", body: updateImageInput },
  async ({ userId, pathParameters, body }) =>
    json(200, await updateImage(imageDeps(), userId, imageIdParam(pathParameters), body)),
);
