/** A request header by name, as API Gateway passes them (any case; absent headers may be `null`). */
export function header(
  event: { headers: Record<string, string | undefined> | null },
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lower && value !== undefined) return value;
  }
  return undefined;
}
