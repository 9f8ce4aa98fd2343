/** GET /images/{id}: one of the caller's images, with presigned URLs. */
import { getImage } from "@picstack/core";
import { imageRepository, objectStore } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http({ auth: true, rateLimit: "read" }, async ({ userId, pathParameters }) => {
  const id = imageIdParam(pathParameters);
  return json(200, await getImage({ images: imageRepository(), objects: objectStore() }, userId, id));
});
