import type {
  CreateImageInput as ServerCreateInput,
  Image as ServerImage,
  ListImagesQuery as ServerListQuery,
  UpdateImageInput as ServerUpdateInput,
  PresignedUpload as ServerUpload,
} from "@picstack/core";
import {
  DEFAULT_MAX_UPLOAD_BYTES as SERVER_MAX,
  ALLOWED_CONTENT_TYPES as SERVER_TYPES,
} from "@picstack/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ALLOWED_CONTENT_TYPES,
  type CreateImageInput,
  DEFAULT_MAX_UPLOAD_BYTES,
  type Image,
  type ListImagesQuery,
  type PresignedUpload,
  type UpdateImageInput,
} from "../src/index.js";

describe("the SDK's types match the server's", () => {
  it("has the same Image, upload and input shapes", () => {
    // These fail type-checking (npm run typecheck) when the two drift apart.
    expectTypeOf<Image>().toEqualTypeOf<ServerImage>();
    expectTypeOf<PresignedUpload>().toEqualTypeOf<ServerUpload>();
    expectTypeOf<CreateImageInput>().toEqualTypeOf<ServerCreateInput>();
    expectTypeOf<UpdateImageInput>().toEqualTypeOf<ServerUpdateInput>();
    expectTypeOf<Required<ListImagesQuery>>().toEqualTypeOf<Required<ServerListQuery>>();
  });

  it("has the same upload rules", () => {
    expect([...ALLOWED_CONTENT_TYPES]).toEqual([...SERVER_TYPES]);
    expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(SERVER_MAX);
  });
});
