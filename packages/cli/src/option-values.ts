/** Checks and converts option values; a bad one is a usage error (exit 2) that names the option. */
import { CliError } from "./output.js";

export function integer(value: string, name: string, min: number, max: number): number;
export function integer(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined;
export function integer(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}`, 2);
  return n;
}

/** A day (YYYY-MM-DD, from its start or to its end in UTC) or an ISO-8601 time. */
export function toIso(value: string | undefined, name: string, endOfDay: boolean): string | undefined {
  if (value === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(day ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`--${name} must be a date (YYYY-MM-DD) or an ISO-8601 time`, 2);
  return date.toISOString();
}

/** A score bound from 0 to 1, as `--min-score` takes it. */
export function score(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1)
    throw new CliError(`--${name} must be a number from 0 to 1`, 2);
  return n;
}
