/** GET /images/{id}: one of the caller's images, with presigned URLs. */
import { getImage, IMAGE_ID_PATTERN, ImageNotFoundError } from "@picstack/core";
import { imageRepository, objectStore } from "../wiring.js";
import { http, json } from "./middleware.js";

export const handler = http({ auth: true }, async ({ userId, pathParameters }) => {
  const id = pathParameters.id ?? "";
  // A malformed id cannot exist: answer like any missing image.
  if (!IMAGE_ID_PATTERN.test(id)) throw new ImageNotFoundError();
  return json(200, await getImage({ images: imageRepository(), objects: objectStore() }, userId, id));
});
