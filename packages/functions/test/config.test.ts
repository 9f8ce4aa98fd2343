import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

const valid = {
  PICSTACK_STAGE: "test",
  PICSTACK_TABLE: "t",
  PICSTACK_BUCKET: "b",
  PICSTACK_WEB_ORIGIN: "http://localhost:5173",
  PICSTACK_AUTH_ISSUER: "https://issuer.test",
  PICSTACK_AUTH_AUDIENCE: "aud",
  PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [] }),
};

describe("loadConfig", () => {
  it("parses a complete environment with defaults for the optional settings", () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ table: "t", bucket: "b", maxUploadBytes: 25 * 1024 * 1024 });
    expect(config.s3.forcePathStyle).toBe(false);
    expect(config.auth.jwks).toEqual({ keys: [] });
  });

  it("fails naming the missing variable", () => {
    const { PICSTACK_TABLE: _, ...missing } = valid;
    expect(() => loadConfig(missing)).toThrow(/PICSTACK_TABLE/);
  });

  it("fails without a key source and with a JWKS that is not JSON", () => {
    const { PICSTACK_AUTH_JWKS: _, ...noKeys } = valid;
    expect(() => loadConfig(noKeys)).toThrow(/PICSTACK_AUTH_JWKS_URL or PICSTACK_AUTH_JWKS/);
    expect(() => loadConfig({ ...valid, PICSTACK_AUTH_JWKS: "{" })).toThrow(/not JSON/);
  });
});
