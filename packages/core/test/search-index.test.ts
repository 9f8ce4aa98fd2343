/**
 * The search ranking engine: golden queries on a hand-written corpus (receipts, screenshots with text,
 * photos of dogs and beaches), filters and sorting, the score scale, semantic and hybrid ranking with
 * deterministic fake embeddings, the kinds of similar images, snapshots, and exactness at 10,000 docs.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fakeEmbedding } from "../../../test/fake-embeddings.js";
import {
  type ImageRecord,
  SEARCH_FIELDS,
  type SearchDoc,
  SearchIndex,
  SearchIndexFormatError,
  type SearchQuery,
  searchDocOf,
} from "../src/index.js";

const sha = (seed: string) => createHash("sha256").update(seed).digest("hex");
/** A perceptual hash far from every other (random 64 bits: two agree within 10 bits ~1 in 10^7). */
const farPhash = (seed: string) => sha(`phash:${seed}`).slice(0, 16);

type DocInput = Omit<SearchDoc, "id" | "version" | "sha256" | "phash" | "tags"> &
  Partial<Pick<SearchDoc, "sha256" | "phash" | "tags">>;

function doc(id: string, input: DocInput): SearchDoc {
  return { id, version: input.createdAt, tags: [], sha256: sha(id), phash: farPhash(id), ...input };
}

/** The corpus, as a user's library might hold it. Ids sort in creation order, as image ids do. */
const CORPUS: SearchDoc[] = [
  doc("img01", {
    createdAt: "2026-03-14T18:20:00.000Z",
    filename: "lisbon-hotel_receipt.png",
    description: "Hotel receipt from the Lisbon Marriott for two nights",
    text: "MARRIOTT LISBOA Total EUR 312.40 Thank you for your stay",
    tags: ["receipt", "travel", "lisbon"],
  }),
  doc("img02", {
    createdAt: "2026-02-02T09:00:00.000Z",
    filename: "IMG_2041.jpg",
    camera: "Apple iPhone 15 Pro",
    description: "A crumpled grocery receipt on a kitchen table",
    text: "FRESH MARKET milk eggs bread TOTAL 23.10",
    tags: ["receipt", "groceries"],
  }),
  doc("img03", {
    createdAt: "2026-03-16T07:45:00.000Z",
    filename: "taxi_receipt_porto.jpg",
    description: "Taxi receipt from Porto airport",
    tags: ["receipt", "travel"],
  }),
  doc("img04", {
    createdAt: "2026-03-15T21:10:00.000Z",
    filename: "restaurantBill.jpg",
    description: "A bill with a tip written in pen",
    text: "Tasca do Chico Lisboa 2x bacalhau total 48.00",
    tags: ["food"],
  }),
  doc("img05", {
    createdAt: "2026-01-10T09:12:33.000Z",
    filename: "Screenshot 2026-01-10 at 09.12.33.png",
    description: "Screenshot of a flight booking confirmation",
    text: "TAP Air Portugal Booking reference XK4P2L Lisbon to New York JFK",
    tags: ["screenshot", "travel"],
  }),
  doc("img06", {
    createdAt: "2026-01-11T14:02:00.000Z",
    filename: "Screen Shot error.png",
    description: "Screenshot of a terminal showing a compiler error",
    text: "error TS2345: Argument of type string is not assignable to parameter of type number",
    tags: ["screenshot", "code"],
  }),
  doc("img07", {
    createdAt: "2026-01-12T20:30:00.000Z",
    filename: "chat-screenshot.png",
    description: "Screenshot of a group chat about weekend plans",
    text: "Are we still running the half marathon on Sunday? I run every morning now",
    tags: ["screenshot"],
  }),
  doc("img08", {
    createdAt: "2026-04-01T19:05:00.000Z",
    filename: "IMG_3310.HEIC",
    camera: "Canon EOS R6",
    description: "A golden retriever dog running on the beach at sunset",
    tags: ["dog", "beach", "sunset"],
    phash: "f0e1d2c3b4a59687",
  }),
  doc("img09", {
    createdAt: "2026-04-01T19:05:01.000Z",
    filename: "IMG_3311.HEIC",
    camera: "Canon EOS R6",
    description: "A golden retriever dog running on the beach at sunset",
    tags: ["dog", "beach", "sunset"],
    // A burst shot: other bytes, three bits of the hash apart.
    phash: "f0e1d2c3b4a59680",
  }),
  doc("img10", {
    createdAt: "2026-04-02T08:00:00.000Z",
    filename: "IMG_3310 copy.HEIC",
    camera: "Canon EOS R6",
    description: "A golden retriever dog running on the beach at sunset",
    tags: ["dog", "beach", "sunset"],
    // The same file uploaded again.
    sha256: sha("img08"),
    phash: "f0e1d2c3b4a59687",
  }),
  doc("img11", {
    createdAt: "2026-04-03T10:00:00.000Z",
    filename: "DSC00042.JPG",
    camera: "Sony ILCE-7M3",
    description: "Two dogs playing with a ball in the park",
    tags: ["dog", "park"],
  }),
  doc("img12", {
    createdAt: "2026-04-05T12:00:00.000Z",
    filename: "beach-day.jpg",
    camera: "Apple iPhone 15 Pro",
    description: "Empty sandy beach with turquoise water and palm trees",
    tags: ["beach", "travel"],
  }),
  doc("img13", {
    createdAt: "2026-04-06T12:00:00.000Z",
    filename: "village.jpg",
    description: "A quiet seaside village with fishing boats",
    tags: ["travel"],
  }),
  doc("img14", {
    createdAt: "2026-04-07T16:00:00.000Z",
    filename: "kitten.jpg",
    description: "A small grey kitten asleep on a sofa",
    tags: ["cat", "pets"],
  }),
  doc("img15", {
    createdAt: "2026-04-08T07:00:00.000Z",
    filename: "promenade.jpg",
    description: "A woman runs along the seafront promenade in the morning",
    tags: ["sport"],
  }),
  doc("img16", {
    createdAt: "2026-04-09T11:00:00.000Z",
    filename: "alps.jpg",
    camera: "Fujifilm X-T4",
    description: "Snow covered mountain peaks above a green valley",
    tags: ["mountain", "hiking"],
  }),
  doc("img17", {
    createdAt: "2026-04-10T11:00:00.000Z",
    filename: "red-car.jpg",
    description: "A red vintage sedan parked on a cobbled street in Lisbon",
    tags: ["car", "lisbon"],
  }),
  doc("img18", {
    createdAt: "2026-04-11T23:00:00.000Z",
    filename: "rocketLaunch.png",
    description: "A rocket lifting off at night with a bright exhaust plume",
    tags: ["space"],
  }),
  doc("img19", {
    createdAt: "2026-04-12T19:00:00.000Z",
    filename: "dinner.jpg",
    note: "Grandma's birthday dinner",
    description: "A family around a table with a cake and candles",
    tags: ["family", "birthday"],
  }),
  doc("img20", {
    createdAt: "2026-03-15T08:00:00.000Z",
    filename: "breakfast.jpg",
    note: "the best hotel breakfast ever",
    description: "Breakfast buffet with pastries and coffee",
    tags: ["food", "travel"],
  }),
  doc("img21", {
    createdAt: "2026-04-13T15:00:00.000Z",
    filename: "whiteboard.jpg",
    description: "Whiteboard with a system design diagram",
    text: "API gateway -> Lambda -> DynamoDB search index",
    tags: ["work"],
  }),
  doc("img22", {
    createdAt: "2026-04-14T09:00:00.000Z",
    filename: "parking-ticket.jpg",
    description: "A parking ticket under a windshield wiper",
    text: "Fine 40 EUR pay within 15 days",
    tags: ["car"],
  }),
  doc("img23", {
    createdAt: "2026-04-15T09:00:00.000Z",
    filename: "passport_scan.png",
    description: "Scanned passport photo page",
    tags: ["document"],
  }),
  doc("img24", {
    createdAt: "2026-03-14T12:00:00.000Z",
    filename: "minibar.jpg",
    // Says "receipt" and "hotel" often, but never "hotel receipt".
    description: "Receipt receipt receipt for the minibar, hotel hotel",
    tags: ["receipt", "hotel"],
  }),
  doc("img25", {
    createdAt: "2026-03-13T12:00:00.000Z",
    filename: "scan_0001.png",
    // The whole phrase, but only once and in the least boosted field.
    text: "Please keep this hotel receipt for your records",
  }),
  doc("img26", {
    createdAt: "2026-04-16T18:00:00.000Z",
    filename: "hosting-invoice.png",
    description: "Invoice from a web hosting company",
    text: "Invoice 2026-0042 Amount due 12.00 USD",
    tags: ["work"],
  }),
  doc("img27", {
    createdAt: "2026-04-17T18:00:00.000Z",
    filename: "hotel-lobby.jpg",
    description: "Hotel lobby with a large chandelier",
    tags: ["hotel", "travel"],
  }),
  doc("img28", {
    createdAt: "2026-04-18T18:00:00.000Z",
    filename: "latte.jpg",
    description: "Latte art in a white coffee cup",
    tags: ["coffee", "food"],
  }),
  doc("img29", {
    createdAt: "2026-04-19T18:00:00.000Z",
    filename: "concert.jpg",
    camera: "Apple iPhone 13",
    description: "Crowd at an open air concert with stage lights",
    tags: ["music"],
  }),
  doc("img30", {
    createdAt: "2026-04-20T18:00:00.000Z",
    filename: "harbour.jpg",
    description: "Sunset over a harbour with sailing boats",
    tags: ["sunset", "boats"],
  }),
  doc("img31", {
    createdAt: "2026-04-21T18:00:00.000Z",
    filename: "bike.jpg",
    description: "A bicycle leaning against a yellow wall",
    tags: ["bicycle"],
  }),
  doc("img32", {
    createdAt: "2026-04-22T18:00:00.000Z",
    filename: "golden-retriever-2.jpg",
    description: "Golden retriever dog running along a beach at sunset",
    tags: ["dog"],
  }),
];

/** Embeddings of the analysis text, as the pipeline would store them. */
function withEmbedding(d: SearchDoc): SearchDoc {
  const text = [d.description, d.text].filter(Boolean).join(" ");
  return text ? { ...d, embedding: fakeEmbedding(text) } : d;
}

function indexOf(docs: SearchDoc[]): SearchIndex {
  const index = SearchIndex.empty();
  for (const d of docs) index.upsert(d);
  return index;
}

const text = (query: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({
  query,
  mode: "text",
  sort: "relevance",
  ...extra,
});
const semantic = (query: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({
  query,
  mode: "semantic",
  sort: "relevance",
  queryVector: fakeEmbedding(query),
  ...extra,
});
const hybrid = (query: string, extra: Partial<SearchQuery> = {}): SearchQuery => ({
  query,
  mode: "hybrid",
  sort: "relevance",
  queryVector: fakeEmbedding(query),
  ...extra,
});

const ids = (hits: Array<{ id: string }>) => hits.map((hit) => hit.id);

/** Every query the tests rank, for the snapshot and score-scale checks. */
const GOLDEN: SearchQuery[] = [
  text("hotel receipt"),
  text("hotel"),
  text("recipt"),
  text("running"),
  text("lisb"),
  text("lisbon"),
  text("IMG_2041"),
  text("iphone"),
  text("restaurant"),
  text("compiler error"),
  text("receipt", { tag: "travel" }),
  text("receipt", { from: "2026-03-01", to: "2026-03-14" }),
  text("receipt", { sort: "date" }),
  text("hotel receipt", { minScore: 0.5 }),
  text("the"),
  semantic("puppy"),
  semantic("rocket"),
  hybrid("beach"),
  hybrid("hotel receipt", { minScore: 0.4 }),
  hybrid("beach", { sort: "date", tag: "travel" }),
];

describe("text ranking", () => {
  const index = indexOf(CORPUS);

  it("rank a doc holding the whole phrase above docs with only some of the words, however often", () => {
    // Act
    const hits = index.search(text("hotel receipt"));
    const single = index.search(text("hotel"));
    // Assess: img24 repeats both words and outranks img25 for "hotel" alone, yet the phrase wins.
    expect(ids(single).indexOf("img24")).toBeLessThan(ids(single).indexOf("img25"));
    expect(ids(hits).slice(0, 2).sort()).toEqual(["img01", "img25"]);
    expect(ids(hits).indexOf("img24")).toBeGreaterThan(1);
    expect(ids(hits)).toEqual(expect.arrayContaining(["img02", "img03", "img20", "img27"]));
  });

  it("tolerate a typo in a long enough word: recipt finds the receipts", () => {
    // Act
    const hits = index.search(text("recipt"));
    // Assess
    expect(ids(hits)).toEqual(expect.arrayContaining(["img01", "img02", "img03", "img24", "img25"]));
    expect(hits.find((hit) => hit.id === "img02")?.matched).toEqual(["description", "tags"]);
  });

  it("stem: running finds runs and run", () => {
    // Act
    const hits = ids(index.search(text("running")));
    // Assess
    expect(hits).toEqual(expect.arrayContaining(["img15", "img07", "img08"]));
    expect(hits).not.toContain("img14");
  });

  it("match a prefix: lisb finds Lisbon", () => {
    // Act
    const hits = index.search(text("lisb"));
    // Assess
    expect(ids(hits)).toEqual(expect.arrayContaining(["img01", "img05", "img17"]));
    expect(hits.find((hit) => hit.id === "img05")?.matched).toEqual(["text"]);
  });

  it("split filenames: IMG_2041.jpg, camelCase and dashes", () => {
    // Act
    const img = index.search(text("IMG_2041"));
    const number = index.search(text("2041"));
    const camel = index.search(text("restaurant"));
    const dashed = index.search(text("ticket"));
    // Assess
    expect(img[0]).toEqual({ id: "img02", score: 1, matched: ["filename"] });
    expect(ids(number)).toEqual(["img02"]);
    expect(camel).toEqual([{ id: "img04", score: 1, matched: ["filename"] }]);
    expect(ids(dashed)[0]).toBe("img22");
  });

  it("take no number or code for a typo of another", () => {
    // Act / Assess
    expect(ids(index.search(text("TS2345")))).toEqual(["img06"]);
    expect(index.search(text("TS2346"))).toEqual([]);
    expect(ids(index.search(text("XK4P2L")))).toEqual(["img05"]);
    expect(index.search(text("XK4P2M"))).toEqual([]);
  });

  it("report the fields the terms matched in", () => {
    // Act
    const lisbon = index.search(text("lisbon"));
    const iphone = index.search(text("iphone"));
    const error = index.search(text("compiler error"));
    // Assess
    // img01's text says LISBOA: one edit from lisbon, a typo-tolerant match.
    expect(lisbon.find((hit) => hit.id === "img01")?.matched).toEqual([
      "description",
      "text",
      "tags",
      "filename",
    ]);
    expect(lisbon.find((hit) => hit.id === "img17")?.matched).toEqual(["description", "tags"]);
    expect(lisbon.find((hit) => hit.id === "img05")?.matched).toEqual(["text"]);
    expect(iphone.map((hit) => [hit.id, hit.matched])).toEqual(
      expect.arrayContaining([
        ["img02", ["camera"]],
        ["img12", ["camera"]],
        ["img29", ["camera"]],
      ]),
    );
    expect(error[0]).toMatchObject({ id: "img06", score: 1, matched: ["description", "text", "filename"] });
  });

  it("drop stop words unless the query is nothing else", () => {
    // Act
    const withStopWords = index.search(text("the hotel receipt"));
    const onlyStopWords = index.search(text("the"));
    // Assess: "the" alone still searches; beside content words it adds no hits.
    expect(ids(withStopWords).sort()).toEqual(ids(index.search(text("hotel receipt"))).sort());
    expect(ids(onlyStopWords)).toEqual(expect.arrayContaining(["img08", "img15"]));
  });

  it("score text hits from 0 to 1, the best hit being 1", () => {
    for (const query of ["hotel receipt", "beach", "lisbon", "screenshot"]) {
      // Act
      const hits = index.search(text(query));
      // Assess
      expect(hits[0]?.score).toBe(1);
      for (const [i, hit] of hits.entries()) {
        expect(hit.score).toBeGreaterThan(0);
        expect(hit.score).toBeLessThanOrEqual(hits[i - 1]?.score ?? 1);
      }
    }
  });

  it("find nothing for words no doc has", () => {
    // Act / Assess
    expect(index.search(text("xylophone"))).toEqual([]);
    expect(index.search(text("puppy"))).toEqual([]);
  });
});

describe("filters and sorting", () => {
  const index = indexOf(CORPUS);

  it("keep only docs with the tag, exactly", () => {
    // Act
    const travel = ids(index.search(text("receipt", { tag: "travel" })));
    const upper = ids(index.search(text("receipt", { tag: "TRAVEL" })));
    const partial = index.search(text("receipt", { tag: "trav" }));
    // Assess
    expect(travel.sort()).toEqual(["img01", "img03"]);
    expect(upper.sort()).toEqual(["img01", "img03"]);
    expect(partial).toEqual([]);
  });

  it("keep only docs created within from–to, inclusive, a bare date covering its whole day", () => {
    // Act
    const march = ids(index.search(text("receipt", { from: "2026-03-01", to: "2026-03-14" })));
    const exact = ids(index.search(text("receipt", { from: "2026-03-16T07:45:00.000Z" })));
    const none = index.search(text("receipt", { to: "2026-01-31" }));
    // Assess: img01 at 18:20 on the 14th is in; img03 on the 16th is out.
    expect(march.sort()).toEqual(["img01", "img24", "img25"]);
    expect(exact).toEqual(["img03"]);
    expect(none).toEqual([]);
  });

  it("normalise scores over the filtered hits", () => {
    // Act
    const hits = index.search(text("receipt", { tag: "groceries" }));
    // Assess
    expect(hits).toEqual([{ id: "img02", score: 1, matched: ["description", "tags"] }]);
  });

  it("sort by date, newest first, ties by id", () => {
    // Prepare: two docs created at the same instant.
    const withTie = indexOf([
      ...CORPUS,
      doc("img99", { createdAt: "2026-03-16T07:45:00.000Z", filename: "receipt2.jpg", tags: ["receipt"] }),
    ]);
    // Act
    const hits = withTie.search(text("receipt", { sort: "date" }));
    // Assess
    const created = hits.map((hit) => withTie.get(hit.id)?.createdAt ?? "");
    expect(created).toEqual([...created].sort().reverse());
    expect(ids(hits).slice(0, 2)).toEqual(["img03", "img99"]);
    expect(ids(hits).sort()).toEqual(ids(withTie.search(text("receipt"))).sort());
  });

  it("cut hits below minScore", () => {
    // Act
    const all = index.search(text("hotel receipt"));
    const strong = index.search(text("hotel receipt", { minScore: 0.5 }));
    // Assess
    expect(strong.length).toBeGreaterThan(0);
    expect(strong.length).toBeLessThan(all.length);
    expect(strong).toEqual(all.filter((hit) => hit.score >= 0.5));
  });
});

describe("keeping the index up to date", () => {
  it("replace a doc on upsert: the old words no longer match, the new ones do", () => {
    // Prepare
    const index = indexOf(CORPUS);
    const old = index.get("img02") as SearchDoc;
    // Act
    index.upsert({
      ...old,
      description: "A parking meter receipt",
      text: "CITY PARKING 2.50",
      tags: ["car"],
    });
    // Assess
    expect(index.size).toBe(CORPUS.length);
    expect(index.search(text("groceries"))).toEqual([]);
    expect(index.search(text("kitchen"))).toEqual([]);
    expect(ids(index.search(text("meter")))).toEqual(["img02"]);
    expect(index.get("img02")?.tags).toEqual(["car"]);
  });

  it("forget removed docs, and ignore removing an unknown one", () => {
    // Prepare
    const index = indexOf(CORPUS);
    // Act
    index.remove("img04");
    index.remove("no-such-id");
    // Assess
    expect(index.size).toBe(CORPUS.length - 1);
    expect(index.get("img04")).toBeUndefined();
    expect(index.search(text("restaurant"))).toEqual([]);
    expect(ids(index.search(text("bacalhau")))).toEqual([]);
  });

  it("hand out copies: changing what get returns changes nothing inside", () => {
    // Prepare
    const index = indexOf(CORPUS);
    const copy = index.get("img03") as SearchDoc;
    // Act
    copy.tags.push("mutated");
    copy.description = "mutated";
    // Assess
    expect(index.search(text("taxi", { tag: "mutated" }))).toEqual([]);
    expect(index.get("img03")?.tags).toEqual(["receipt", "travel"]);
    index.remove("img03");
    expect(index.search(text("taxi"))).toEqual([]);
  });

  it("score as a fresh index would after replacing and removing", () => {
    // Prepare
    const churned = indexOf(CORPUS);
    for (const d of CORPUS.slice(0, 10)) churned.upsert({ ...d, note: "temporary words" });
    for (const d of CORPUS.slice(0, 10)) churned.upsert(d);
    churned.upsert(doc("gone", { createdAt: "2026-01-01T00:00:00.000Z", filename: "hotel receipt.png" }));
    churned.remove("gone");
    const fresh = indexOf(CORPUS);
    // Act / Assess
    for (const query of GOLDEN) {
      const a = churned.search(query);
      const b = fresh.search(query);
      expect(ids(a)).toEqual(ids(b));
      for (const [i, hit] of a.entries()) expect(hit.score).toBeCloseTo(b[i]?.score ?? -1, 9);
    }
  });
});

describe("documents from records", () => {
  const record: ImageRecord = {
    id: "rec1",
    userId: "u1",
    status: "ready",
    filename: "IMG_2041.jpg",
    contentType: "image/jpeg",
    size: 1000,
    originalKey: "images/2026/03/rec1.jpg",
    createdAt: "2026-03-01T10:00:00.000Z",
    updatedAt: "2026-03-02T10:00:00.000Z",
    note: "for the tax return",
    tags: ["receipt", "travel"],
    exif: { camera: "Apple iPhone 15 Pro" },
    analysis: { status: "done", tags: ["receipt"], description: "A receipt", text: "TOTAL 12.00" },
    checksum: { sha256: sha("rec1") },
    phash: "0123456789abcdef",
    embedding: { model: "text-embedding-3-small", vector: [0.6, 0.8] },
  };

  it("carry what search needs from a ready record", () => {
    // Act / Assess
    expect(searchDocOf(record)).toEqual({
      id: "rec1",
      createdAt: "2026-03-01T10:00:00.000Z",
      filename: "IMG_2041.jpg",
      camera: "Apple iPhone 15 Pro",
      note: "for the tax return",
      description: "A receipt",
      text: "TOTAL 12.00",
      tags: ["receipt", "travel"],
      sha256: sha("rec1"),
      phash: "0123456789abcdef",
      embedding: [0.6, 0.8],
      version: "2026-03-02T10:00:00.000Z",
    });
  });

  it("leave out what the record lacks", () => {
    // Act
    const bare = searchDocOf({
      ...record,
      note: null,
      exif: undefined,
      analysis: { status: "pending", tags: [] },
      checksum: undefined,
      phash: undefined,
      embedding: undefined,
    });
    // Assess
    expect(bare).toEqual({
      id: "rec1",
      createdAt: "2026-03-01T10:00:00.000Z",
      filename: "IMG_2041.jpg",
      tags: ["receipt", "travel"],
      version: "2026-03-02T10:00:00.000Z",
    });
  });

  it("make no doc of a deleted or not yet ready image", () => {
    // Act / Assess
    expect(searchDocOf({ ...record, deletedAt: "2026-03-03T00:00:00.000Z" })).toBeUndefined();
    expect(searchDocOf({ ...record, status: "processing" })).toBeUndefined();
    expect(searchDocOf({ ...record, status: "failed" })).toBeUndefined();
  });
});

describe("semantic and hybrid ranking", () => {
  const index = indexOf(CORPUS.map(withEmbedding));

  it("find the dogs for puppy, a word no doc says", () => {
    // Act
    const hits = index.search(semantic("puppy"));
    // Assess
    expect(ids(hits).slice(0, 5).sort()).toEqual(["img08", "img09", "img10", "img11", "img32"]);
    for (const hit of hits) {
      expect(hit.matched).toEqual([]);
      expect(hit.score).toBeGreaterThanOrEqual(0.2);
      expect(hit.score).toBeLessThanOrEqual(1);
    }
    expect(index.search(text("puppy"))).toEqual([]);
  });

  it("leave unrelated docs out (the cosine floor)", () => {
    // Act
    const hits = ids(index.search(semantic("rocket")));
    // Assess: only the rocket photo clears the floor; every other doc has a small, noisy cosine.
    expect(hits).toEqual(["img18"]);
  });

  it("score by cosine: a doc embedding exactly the query is 1", () => {
    // Act
    const hits = index.search({
      ...semantic("x"),
      queryVector: fakeEmbedding("Taxi receipt from Porto airport"),
    });
    // Assess
    expect(hits[0]?.id).toBe("img03");
    expect(hits[0]?.score).toBeCloseTo(1, 6);
  });

  it("fuse text and vectors in hybrid mode: hits in both lead, vector-only hits match no field", () => {
    // Act
    const hits = index.search(hybrid("beach"));
    const textHits = index.search(text("beach"));
    const textOnly = ids(textHits);
    // Assess: the seaside village never says beach, yet semantics bring it.
    expect(textOnly).not.toContain("img13");
    const village = hits.find((hit) => hit.id === "img13");
    expect(village?.matched).toEqual([]);
    expect(textOnly).toContain(hits[0]?.id);
    expect(hits[0]?.score).toBeGreaterThan(0.9);
    for (const hit of hits) expect(hit.score).toBeLessThanOrEqual(1);
    expect(village?.score).toBeLessThan(0.5);
    // Every text hit keeps its matched fields through the fusion.
    for (const hit of textHits) expect(hits.find((h) => h.id === hit.id)?.matched).toEqual(hit.matched);
  });

  it("score a doc first in both rankings 1 and first in only one about 0.5", () => {
    // Prepare: the doc that is both the best text and the best vector hit.
    const hits = index.search(hybrid("Taxi receipt from Porto airport"));
    // Assess
    expect(hits[0]).toMatchObject({ id: "img03", score: 1 });
    const onlyVector = indexOf([withEmbedding(CORPUS[2] as SearchDoc)]).search({
      ...hybrid("zzz"),
      queryVector: fakeEmbedding("Taxi receipt from Porto airport"),
    });
    expect(onlyVector).toEqual([{ id: "img03", score: expect.closeTo(61 / 122, 9), matched: [] }]);
  });

  it("answer hybrid without a query vector from text alone", () => {
    // Act
    const { queryVector: _, ...noVector } = hybrid("hotel receipt");
    // Assess
    expect(index.search(noVector)).toEqual(index.search(text("hotel receipt")));
  });

  it("apply filters and minScore to semantic hits", () => {
    // Act
    const travel = index.search(semantic("beach", { tag: "travel" }));
    const strong = index.search(semantic("puppy", { minScore: 0.5 }));
    // Assess
    expect(travel.length).toBeGreaterThan(0);
    for (const hit of travel) expect(index.get(hit.id)?.tags).toContain("travel");
    for (const hit of strong) expect(hit.score).toBeGreaterThanOrEqual(0.5);
    expect(strong.length).toBeLessThan(index.search(semantic("puppy")).length);
  });
});

describe("similar images", () => {
  const index = indexOf(CORPUS.map(withEmbedding));

  it("find the same bytes as duplicate, a burst as near duplicate, close embeddings as similar", () => {
    // Act
    const hits = index.similar("img08", 20);
    // Assess
    expect(hits.slice(0, 2)).toEqual([
      { id: "img10", score: 1, kind: "duplicate" },
      { id: "img09", score: 1 - 3 / 64, kind: "near_duplicate" },
    ]);
    expect(hits.find((hit) => hit.id === "img32")).toMatchObject({ kind: "similar" });
    expect(ids(hits)).not.toContain("img08");
    expect(new Set(ids(hits)).size).toBe(hits.length);
    for (const hit of hits.filter((h) => h.kind === "similar"))
      expect(hit.score).toBeGreaterThanOrEqual(0.75);
  });

  it("never call a burst (other bytes, close hash) a duplicate", () => {
    // Act
    const fromBurst = index.similar("img09", 20);
    // Assess: both the original and its copy are near duplicates of the burst shot.
    expect(fromBurst.slice(0, 2)).toEqual([
      { id: "img08", score: 1 - 3 / 64, kind: "near_duplicate" },
      { id: "img10", score: 1 - 3 / 64, kind: "near_duplicate" },
    ]);
  });

  it("keep to the limit and answer [] for an unknown id", () => {
    // Act / Assess
    expect(index.similar("img08", 1)).toEqual([{ id: "img10", score: 1, kind: "duplicate" }]);
    expect(index.similar("nope", 5)).toEqual([]);
  });

  it("without embeddings, find images sharing tags and description words", () => {
    // Prepare
    const offline = indexOf(CORPUS);
    // Act
    const retriever = offline.similar("img08", 20);
    const breakfast = offline.similar("img20", 20);
    const kitten = offline.similar("img14", 20);
    // Assess: the other golden retriever on a beach is similar; a lone dog word or a sunset is not enough.
    expect(retriever.slice(0, 3)).toEqual([
      { id: "img10", score: 1, kind: "duplicate" },
      { id: "img09", score: 1 - 3 / 64, kind: "near_duplicate" },
      { id: "img32", score: expect.closeTo(0.77, 2), kind: "similar" },
    ]);
    expect(ids(retriever)).not.toContain("img30");
    expect(ids(breakfast)).toEqual(["img28"]);
    expect(breakfast[0]?.score).toBeGreaterThanOrEqual(0.1);
    expect(kitten).toEqual([]);
  });

  it("compare by embedding only where both images have one, by words otherwise", () => {
    // Prepare: img32 keeps no embedding, so against img08 (which has one) words decide.
    const mixed = indexOf(CORPUS.map((d) => (d.id === "img32" ? d : withEmbedding(d))));
    // Act
    const hit = mixed.similar("img08", 20).find((h) => h.id === "img32");
    const offline = indexOf(CORPUS)
      .similar("img08", 20)
      .find((h) => h.id === "img32");
    // Assess
    expect(hit).toEqual(offline);
  });
});

describe("snapshots", () => {
  it("load to an index that answers every golden query exactly as the original", () => {
    // Prepare
    const original = indexOf(CORPUS.map(withEmbedding));
    original.remove("img05");
    original.upsert({ ...(original.get("img06") as SearchDoc), note: "fixed in the next build" });
    // Act
    const json = JSON.stringify(original);
    const loaded = SearchIndex.load(JSON.parse(json));
    // Assess
    expect(loaded.size).toBe(original.size);
    for (const query of GOLDEN) expect(loaded.search(query)).toEqual(original.search(query));
    for (const d of CORPUS) expect(loaded.similar(d.id, 20)).toEqual(original.similar(d.id, 20));
    expect(loaded.get("img08")).toEqual(original.get("img08"));
    expect(JSON.parse(JSON.stringify(loaded))).toEqual(JSON.parse(json));
  });

  it("answer like the original after heavy churn and after a second round trip, prefix and typo matches included", () => {
    // Prepare: words of many lengths sharing prefixes, so prefix and fuzzy expansions are many.
    let state = 7;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
    const word = () =>
      Array.from({ length: 3 + Math.floor(next() * 7) }, () => "aenorst"[Math.floor(next() * 7)]).join("");
    const original = SearchIndex.empty();
    const live: string[] = [];
    for (let i = 0; i < 1500; i++) {
      if (live.length > 20 && next() < 0.3) {
        const [gone] = live.splice(Math.floor(next() * live.length), 1);
        original.remove(gone ?? "");
      }
      const id = `c${i}`;
      const sentence = Array.from({ length: 6 }, word).join(" ");
      original.upsert(
        doc(id, { createdAt: "2026-01-01T00:00:00.000Z", filename: `${word()}.jpg`, description: sentence }),
      );
      live.push(id);
    }
    const queries = Array.from({ length: 40 }, () => text(`${word()} ${word().slice(0, 3)}`));
    // Act
    const loaded = SearchIndex.load(JSON.parse(JSON.stringify(original)));
    const twice = SearchIndex.load(JSON.parse(JSON.stringify(loaded)));
    // Assess
    let hits = 0;
    for (const query of queries) {
      const expected = original.search(query);
      hits += expected.length;
      expect(loaded.search(query)).toEqual(expected);
      expect(twice.search(query)).toEqual(expected);
    }
    expect(hits).toBeGreaterThan(500);
  });

  it("keep embeddings as float32", () => {
    // Prepare
    const vector = [0.1, 0.2, 0.3];
    const index = indexOf([{ ...(CORPUS[0] as SearchDoc), embedding: vector }]);
    // Act
    const loaded = SearchIndex.load(JSON.parse(JSON.stringify(index)));
    // Assess
    expect(loaded.get("img01")?.embedding).toEqual(vector.map(Math.fround));
  });

  it("refuse what is not a snapshot of this format", () => {
    // Prepare
    const good = JSON.parse(JSON.stringify(indexOf(CORPUS))) as Record<string, unknown>;
    // Act / Assess
    expect(() => SearchIndex.load({ ...good, version: 2 })).toThrow(SearchIndexFormatError);
    expect(() => SearchIndex.load({ ...good, format: "other" })).toThrow(SearchIndexFormatError);
    expect(() => SearchIndex.load({ ...good, docs: [] })).toThrow(SearchIndexFormatError);
    expect(() => SearchIndex.load(null)).toThrow(SearchIndexFormatError);
  });

  it("score every golden query within 0–1 and report only known fields", () => {
    // Prepare
    const index = indexOf(CORPUS.map(withEmbedding));
    for (const query of GOLDEN) {
      // Act
      const hits = index.search(query);
      // Assess
      expect(hits.length).toBeGreaterThan(0);
      for (const hit of hits) {
        expect(hit.score).toBeGreaterThanOrEqual(query.minScore ?? 0);
        expect(hit.score).toBeLessThanOrEqual(1);
        for (const field of hit.matched) expect(SEARCH_FIELDS).toContain(field);
      }
    }
  });
});

describe("exactness at 10,000 documents", () => {
  /** xorshift32: the same corpus on every run. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
  }
  const next = random(20260301);
  const letters = { c: "bdfgklmnprtvz", v: "aou" };
  const pick = (set: string) => set[Math.floor(next() * set.length)] ?? "b";
  // Four-letter words, none a prefix of another and too short for typo matching: exact matches only.
  const vocabulary = [
    ...new Set(
      Array.from(
        { length: 400 },
        () => pick(letters.c) + pick(letters.v) + pick(letters.c) + pick(letters.v),
      ),
    ),
  ];
  const DIMENSIONS = 32;
  const docs: SearchDoc[] = Array.from({ length: 10_000 }, (_, i) => {
    const words = Array.from(
      { length: 6 },
      () => vocabulary[Math.floor(next() * vocabulary.length)] ?? "bado",
    );
    const vector = Array.from({ length: DIMENSIONS }, () => next() - 0.5);
    return {
      id: `d${String(i).padStart(5, "0")}`,
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      filename: `photo${i}.jpg`,
      description: words.join(" "),
      tags: [],
      embedding: vector,
      version: "1",
    };
  });
  const index = indexOf(docs);

  it("rank semantic top-k exactly as a brute-force cosine over every doc", () => {
    for (const seed of [1, 2, 3]) {
      // Prepare
      const query = Array.from({ length: DIMENSIONS }, () => next() - 0.5);
      const norm = Math.hypot(...query);
      const reference = docs
        .map((d) => {
          const v = (d.embedding ?? []).map(Math.fround);
          const cosine = v.reduce((sum, x, i) => sum + x * (query[i] ?? 0), 0) / (norm * Math.hypot(...v));
          return { id: d.id, cosine };
        })
        .filter((r) => r.cosine >= 0.2)
        .sort((a, b) => b.cosine - a.cosine || (a.id < b.id ? -1 : 1));
      // Act
      const hits = index.search({ query: "", mode: "semantic", sort: "relevance", queryVector: query });
      // Assess
      expect(hits.length, `seed ${seed}`).toBe(reference.length);
      expect(ids(hits.slice(0, 20))).toEqual(reference.slice(0, 20).map((r) => r.id));
      for (const [i, hit] of hits.slice(0, 20).entries())
        expect(hit.score).toBeCloseTo(reference[i]?.cosine ?? -1, 9);
    }
  });

  it("return every doc holding a term, the best first", () => {
    for (const word of vocabulary.slice(0, 3)) {
      // Prepare
      const holding = docs.filter((d) => d.description?.split(" ").includes(word)).map((d) => d.id);
      // Act
      const hits = index.search({ query: word, mode: "text", sort: "relevance" });
      // Assess
      expect(ids(hits).sort()).toEqual(holding.sort());
      // One field, one term: more occurrences in an equally long description score higher.
      const count = (id: string) =>
        docs
          .find((d) => d.id === id)
          ?.description?.split(" ")
          .filter((w) => w === word).length ?? 0;
      expect(count(hits[0]?.id ?? "")).toBe(Math.max(...holding.map(count)));
    }
  });
});
