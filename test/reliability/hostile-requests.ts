/**
 * Hostile requests: fuzzed bodies, query strings, path parameters and headers. Every answer must be a
 * 4xx with a JSON error code; none may be a 5xx; and the stack must keep serving afterwards.
 */
import { DEFAULT_MAX_UPLOAD_BYTES } from "@picstack/core";
import { type Context, expectJsonError } from "./context.js";
import { assert, type Report } from "./harness.js";

const CATEGORY = "Hostile requests";

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** No bearer token (default: a valid one). */
  anonymous?: boolean;
  statuses?: number[];
}

const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE images; --',
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style injection string, sent as data
  "${jndi:ldap://127.0.0.1/x}",
  "{{7*7}}",
  "../../../../etc/passwd",
  "%00",
  "$(reboot)",
  "\u202egpj.exe",
  "𝕳𝖊𝖑𝖑𝖔 🎞️ 你好",
];

const valid = { filename: "a.jpg", contentType: "image/jpeg", size: 1000 };
const json = (value: unknown) => JSON.stringify(value);

function createBodies(): Case[] {
  const cases: Case[] = [];
  const post = (name: string, body: string, statuses?: number[]) =>
    cases.push({ name: `POST /images ${name}`, method: "POST", path: "/images", body, statuses });
  // Not JSON, or not an object.
  for (const [name, body] of [
    ["empty body", ""],
    ["whitespace body", "   \n"],
    ["truncated JSON", '{"filename":"a.jpg"'],
    ["single quotes", "{'filename':'a.jpg'}"],
    ["trailing comma", '{"filename":"a.jpg",}'],
    ["null", "null"],
    ["array", "[]"],
    ["number", "42"],
    ["string", '"a.jpg"'],
    ["true", "true"],
    ["NaN", '{"size":NaN}'],
    ["comment", '{/* x */"filename":"a.jpg"}'],
    ["binary garbage", "\u0000\u0001\u0002\u00ff\u00fe"],
    ["deeply nested arrays", `${"[".repeat(5000)}${"]".repeat(5000)}`],
    ["deeply nested objects", `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`],
    ["BOM before JSON", `\ufeff${json(valid)}`],
    ["two JSON documents", `${json(valid)}${json(valid)}`],
  ] as const) {
    post(name, body, [400]);
  }
  // Wrong types and out-of-range values for each field.
  const wrong: Record<string, unknown[]> = {
    filename: [1, null, [], {}, true, "", "   ", "a".repeat(256), "a\u0000.jpg", "line\nbreak.jpg"],
    contentType: [1, null, [], "", "a".repeat(300)],
    size: ["1000", -1, 0, 1.5, null, [], 1e20, Number.MAX_SAFE_INTEGER + 2],
    note: [1, {}, [], true, "n".repeat(2001)],
    tags: [
      "beach",
      [1],
      [null],
      [[]],
      [{}],
      ["t".repeat(201)],
      Array.from({ length: 101 }, (_, i) => `t${i}`),
    ],
  };
  for (const [field, values] of Object.entries(wrong)) {
    for (const value of values) {
      const shown = JSON.stringify(value)?.slice(0, 24) ?? String(value);
      post(`${field}=${shown}`, json({ ...valid, [field]: value }), [400]);
    }
  }
  for (const field of ["filename", "contentType", "size"]) {
    const { [field as keyof typeof valid]: _, ...rest } = valid;
    post(`missing ${field}`, json(rest), [400]);
  }
  post("unknown field", json({ ...valid, owner: "someone-else" }), [400]);
  post(
    "prototype pollution",
    '{"filename":"a.jpg","contentType":"image/jpeg","size":1,"__proto__":{"admin":true}}',
    [400],
  );
  post("constructor key", json({ ...valid, constructor: { prototype: { admin: true } } }), [400]);
  post("duplicate keys", '{"filename":"a.jpg","contentType":"image/jpeg","size":10,"size":999999999}', [400]);
  post(
    "duplicate keys, case differs",
    '{"filename":"a.jpg","contentType":"image/jpeg","size":10,"Size":10}',
    [400],
  );
  for (const type of [
    "text/html",
    "image/svg+xml",
    "application/x-msdownload",
    "image/jpg",
    "image/jpeg; x=1",
  ]) {
    post(`contentType=${type}`, json({ ...valid, contentType: type }), [415]);
  }
  for (const injection of INJECTIONS) {
    post(
      `contentType injection ${injection.slice(0, 16)}`,
      json({ ...valid, contentType: injection }),
      [415],
    );
  }
  post("size over the limit", json({ ...valid, size: DEFAULT_MAX_UPLOAD_BYTES + 1 }), [413]);
  post("huge body", json({ ...valid, note: "x".repeat(2_000_000) }), [400, 413]);
  return cases;
}

function patchBodies(): Case[] {
  const cases: Case[] = [];
  const patch = (name: string, body: string) =>
    cases.push({
      name: `PATCH /images/{id} ${name}`,
      method: "PATCH",
      path: "/images/{id}",
      body,
      statuses: [400],
    });
  patch("empty object", "{}");
  patch("note=1", json({ note: 1 }));
  patch("tags=string", json({ tags: "beach" }));
  patch("status=ready", json({ status: "ready" }));
  patch("unknown field userId", json({ note: "x", userId: "other" }));
  patch("not JSON", "note=x");
  patch("duplicate keys", '{"note":"a","note":"b"}');
  patch("array", "[]");
  patch("note too long", json({ note: "n".repeat(2001) }));
  patch("101 tags", json({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }));
  return cases;
}

function queries(): Case[] {
  const cases: Case[] = [];
  const list = (name: string, query: string, statuses = [400]) =>
    cases.push({ name: `GET /images?${name}`, method: "GET", path: `/images?${query}`, statuses });
  for (const v of ["0", "101", "-1", "1.5", "abc", "1e3", "", "9999999999999999999", "0x10", " 5"]) {
    list(`limit=${v}`, `limit=${encodeURIComponent(v)}`);
  }
  for (const v of ["garbage", "2026-13-45", "yesterday", "0", "' OR 1=1"]) {
    list(`from=${v}`, `from=${encodeURIComponent(v)}`);
    list(`to=${v}`, `to=${encodeURIComponent(v)}`);
  }
  list("from after to", "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
  for (const v of ["done", "READY!", "' OR 1=1 --", "deleted"])
    list(`status=${v}`, `status=${encodeURIComponent(v)}`);
  for (const v of ["asc;", "random", "DESC2"]) list(`order=${v}`, `order=${encodeURIComponent(v)}`);
  for (const v of ["x", "not-a-cursor", "<script>", "a".repeat(3000), "eyJ1IjoiYWRtaW4ifQ.forged"]) {
    list(`cursor=${v.slice(0, 16)}`, `cursor=${encodeURIComponent(v)}`);
  }
  list("tag too long", `tag=${"t".repeat(51)}`);
  list("unknown parameter", "owner=someone-else");
  list("repeated limit", "limit=1&limit=2");
  list("repeated tag", "tag=a&tag=b");
  list("empty tag", "tag=");
  return cases;
}

function paths(): Case[] {
  const cases: Case[] = [];
  const ids = [
    "does-not-exist",
    "0".repeat(26),
    "A".repeat(2000),
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%F0%9F%92%A5",
    "'%20OR%20'1'='1",
    "%3Cscript%3E",
    "images",
    "-1",
  ];
  for (const id of ids) {
    for (const [method, suffix] of [
      ["GET", ""],
      ["DELETE", ""],
      ["POST", "/restore"],
      ["POST", "/analyze"],
    ] as const) {
      cases.push({
        name: `${method} /images/${id.slice(0, 20)}${suffix}`,
        method,
        path: `/images/${id}${suffix}`,
        statuses: [404],
      });
    }
    cases.push({
      name: `PATCH /images/${id.slice(0, 20)}`,
      method: "PATCH",
      path: `/images/${id}`,
      body: json({ note: "x" }),
      statuses: [404],
    });
  }
  return cases;
}

function headers(): Case[] {
  const cases: Case[] = [];
  const auth = (name: string, value: string) =>
    cases.push({
      name: `Authorization: ${name}`,
      method: "GET",
      path: "/images",
      anonymous: true,
      headers: { Authorization: value },
      statuses: [401],
    });
  auth("empty", "");
  auth("Bearer with no token", "Bearer ");
  auth("Basic", "Basic dXNlcjpwYXNz");
  auth("three dots", "Bearer a.b.c");
  auth("garbage", "Bearer !!!!");
  auth("huge", `Bearer ${"a".repeat(10_000)}`);
  auth("unicode", "Bearer ñññ.ñññ.ñññ");
  auth("two tokens", "Bearer a.b.c, Bearer d.e.f");
  auth("SQL injection", "Bearer ' OR 1=1 --");
  cases.push({
    name: "no Authorization header",
    method: "GET",
    path: "/images",
    anonymous: true,
    statuses: [401],
  });
  const typed = (name: string, type: string, body: string, statuses: number[]) =>
    cases.push({
      name: `Content-Type: ${name}`,
      method: "POST",
      path: "/images",
      headers: { "Content-Type": type },
      body,
      statuses,
    });
  typed("text/plain", "text/plain", json(valid), [415]);
  typed("application/xml", "application/xml", "<image><size>1</size></image>", [415]);
  typed("form", "application/x-www-form-urlencoded", "filename=a.jpg&size=1", [415]);
  typed("multipart", "multipart/form-data; boundary=x", "--x--", [415]);
  typed("json with wrong body", "application/json", "<xml/>", [400]);
  return cases;
}

export function hostileCases(): Case[] {
  return [...createBodies(), ...patchBodies(), ...queries(), ...paths(), ...headers()];
}

export async function hostileRequests(ctx: Context, report: Report): Promise<void> {
  const token = await ctx.token("hostile-requests");
  // A real image for the PATCH cases to aim at.
  const created = await ctx.call("POST", "/images", {
    token,
    headers: { "Content-Type": "application/json" },
    body: json(valid),
  });
  const id = (created.json as { image: { id: string } }).image.id;
  const cases = hostileCases();
  assert(cases.length >= 150, `only ${cases.length} cases`);
  let fivexx = 0;
  for (const c of cases) {
    const path = c.path.replace("{id}", id);
    const headers: Record<string, string> = { ...c.headers };
    if (c.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["Content-Type"] = "application/json";
    }
    await report.check(CATEGORY, c.name, async () => {
      const answer = await ctx.call(c.method, path, {
        ...(c.anonymous ? {} : { token }),
        headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      if (answer.status >= 500) fivexx++;
      return expectJsonError(answer, c.statuses);
    });
  }
  await report.check(CATEGORY, "injection strings are stored as plain data", async () => {
    for (const injection of INJECTIONS) {
      const made = await ctx.call("POST", "/images", {
        token,
        headers: { "Content-Type": "application/json" },
        body: json({
          ...valid,
          filename: `${injection}.jpg`.replace("%00", "pct00"),
          note: injection,
          tags: [injection.slice(0, 50)],
        }),
      });
      assert(made.status === 201, `create with ${injection}: HTTP ${made.status} ${made.text.slice(0, 120)}`);
      const image = (made.json as { image: { id: string; note: string } }).image;
      const read = await ctx.call("GET", `/images/${image.id}`, { token });
      assert(
        (read.json as { note: string }).note === injection,
        `note came back as ${(read.json as { note: string }).note}`,
      );
    }
    return `${INJECTIONS.length} creates, notes read back byte for byte`;
  });
  await report.check(CATEGORY, "the stack keeps serving", async () => {
    const health = await ctx.call("GET", "/health");
    assert(health.status === 200, `health: HTTP ${health.status}`);
    const list = await ctx.call("GET", "/images?limit=5", { token });
    assert(list.status === 200, `list: HTTP ${list.status}`);
    const after = await ctx.call("GET", `/images/${id}`, { token });
    assert(
      after.status === 200 && (after.json as { note: unknown }).note === null,
      "the PATCH target changed",
    );
    return `health 200, list 200, PATCH target untouched; ${fivexx} answers were 5xx`;
  });
  report.figure(CATEGORY, {
    "hostile requests sent": cases.length,
    "5xx answers": fivexx,
    "429s waited out (per-user rate limit)": ctx.rateLimited(),
  });
}
