/**
 * A stand-in ranking engine with the interface of the real one (branch h/search-engine), so the index's
 * storage and routes can run end to end before it is merged: every document is scored by the share of
 * query words it contains; `similar` by equal bytes and shared tags. Replaced wholesale by the merge.
 */
import type { SearchDoc, SearchEngine, SearchField, SearchHit, SearchQuery, SimilarHit } from "./types.js";

const words = (text: string | undefined) =>
  (text ?? "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

function fieldsOf(doc: SearchDoc): Array<[SearchField, string[]]> {
  return [
    ["description", words(doc.description)],
    ["text", words(doc.text)],
    ["tags", doc.tags.flatMap(words)],
    ["note", words(doc.note)],
    ["filename", words(doc.filename)],
    ["camera", words(doc.camera)],
  ];
}

export class SearchIndex implements SearchEngine {
  private readonly docs = new Map<string, SearchDoc>();

  static load(snapshot: unknown): SearchIndex {
    const index = new SearchIndex();
    for (const doc of (snapshot as { docs?: SearchDoc[] }).docs ?? []) index.upsert(doc);
    return index;
  }

  get size(): number {
    return this.docs.size;
  }

  get(id: string): SearchDoc | undefined {
    return this.docs.get(id);
  }

  upsert(doc: SearchDoc): void {
    this.docs.set(doc.id, doc);
  }

  remove(id: string): void {
    this.docs.delete(id);
  }

  search(query: SearchQuery): SearchHit[] {
    const wanted = [...new Set(words(query.query))];
    const hits: Array<SearchHit & { createdAt: string }> = [];
    for (const doc of this.docs.values()) {
      if (query.tag && !doc.tags.includes(query.tag)) continue;
      if (query.from && doc.createdAt < query.from) continue;
      if (query.to && doc.createdAt > query.to) continue;
      const fields = fieldsOf(doc);
      const matched = new Set<SearchField>();
      let found = 0;
      for (const word of wanted) {
        let hit = false;
        for (const [field, values] of fields) {
          if (values.includes(word)) {
            matched.add(field);
            hit = true;
          }
        }
        if (hit) found++;
      }
      if (found === 0) continue;
      const score = found / wanted.length;
      if (query.minScore !== undefined && score < query.minScore) continue;
      hits.push({ id: doc.id, score, matched: [...matched], createdAt: doc.createdAt });
    }
    hits.sort((a, b) =>
      query.sort === "date"
        ? b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)
        : b.score - a.score || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
    );
    return hits.map(({ createdAt: _, ...hit }) => hit);
  }

  similar(id: string, limit: number): SimilarHit[] {
    const target = this.docs.get(id);
    if (!target) return [];
    const tags = new Set(target.tags);
    const hits: SimilarHit[] = [];
    for (const doc of this.docs.values()) {
      if (doc.id === id) continue;
      if (target.sha256 && doc.sha256 === target.sha256) {
        hits.push({ id: doc.id, score: 1, kind: "duplicate" });
        continue;
      }
      const shared = doc.tags.filter((t) => tags.has(t)).length;
      const union = new Set([...doc.tags, ...target.tags]).size;
      if (shared > 0) hits.push({ id: doc.id, score: shared / union, kind: "similar" });
    }
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return hits.slice(0, limit);
  }

  toJSON(): unknown {
    return { docs: [...this.docs.values()] };
  }
}
