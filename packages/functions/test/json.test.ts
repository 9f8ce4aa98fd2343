import { describe, expect, it } from "vitest";
import { findDuplicateKey } from "../src/http/json.js";

describe("findDuplicateKey", () => {
  it("finds a key given twice in one object, at any depth", () => {
    expect(findDuplicateKey('{"filename":"a.jpg","size":1,"filename":"b.jpg"}')).toBe("filename");
    expect(findDuplicateKey('{"a":{"b":1,"b":2}}')).toBe("b");
    expect(findDuplicateKey('[{"x":1},{"y":[{"z":1, "z" :2}]}]')).toBe("z");
    expect(findDuplicateKey('{"a\\u0062":1,"ab":2}')).toBe("ab");
  });

  it("allows the same key in different objects, and keys inside strings", () => {
    expect(findDuplicateKey('{"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}]}')).toBeUndefined();
    expect(findDuplicateKey('{"note":"\\"note\\": 1","tags":["note","note"]}')).toBeUndefined();
    expect(findDuplicateKey('"just a string"')).toBeUndefined();
  });
});
