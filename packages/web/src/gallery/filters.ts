/** What the gallery can be filtered by, and how a choice of filters becomes a list query. */
import type { ImageStatus, ListImagesQuery } from "@picstack/sdk";

export const PAGE_SIZE = 24;

export interface Filters {
  tag?: string;
  /** A day (YYYY-MM-DD, as a date input gives it), from its first millisecond in UTC. */
  from?: string;
  /** A day (YYYY-MM-DD), up to its last millisecond in UTC. */
  to?: string;
  status?: ImageStatus;
}

export function toQuery(filters: Filters): ListImagesQuery {
  const q: ListImagesQuery = { limit: PAGE_SIZE };
  if (filters.tag) q.tag = filters.tag;
  if (filters.status) q.status = filters.status;
  if (filters.from) q.from = new Date(`${filters.from}T00:00:00.000Z`).toISOString();
  if (filters.to) q.to = new Date(`${filters.to}T23:59:59.999Z`).toISOString();
  return q;
}

export function isFiltered(filters: Filters): boolean {
  return Object.values(filters).some(Boolean);
}
