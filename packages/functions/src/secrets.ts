/**
 * Secrets Manager reads through Powertools Parameters. A value is kept per container for `maxAge`
 * seconds; a failed read is not kept, so after a Secrets Manager error the next call reads again
 * instead of failing until the container is recycled.
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";

let provider: SecretsProvider | undefined;

/** A rotated secret reaches every container within this many seconds. */
export const SECRET_MAX_AGE_SECONDS = 300;

/** The secret's string value; throws when the read fails or the secret holds no string. */
export async function readSecret(arn: string, maxAgeSeconds = SECRET_MAX_AGE_SECONDS): Promise<string> {
  // Built on first use: most handlers never read a secret.
  provider ??= new SecretsProvider();
  const value = await provider.get(arn, { maxAge: maxAgeSeconds });
  if (typeof value !== "string" || value === "") throw new Error("The secret holds no string value");
  return value;
}
