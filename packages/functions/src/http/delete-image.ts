/** DELETE /images/{id}: soft delete; gone from list and get at once, restorable until purged. */
import { deleteImage } from "@picstack/core";
import { imageDeps } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http({ auth: true, rateLimit: "write" }, async ({ userId, pathParameters }) => {
  await deleteImage(imageDeps(), userId, imageIdParam(pathParameters));
  return json(204, undefined);
});
