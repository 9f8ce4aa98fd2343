/**
 * Secrets Manager reads through Powertools Parameters. A value is kept per container for `maxAge`
 * seconds; a failed read is not kept, so after a Secrets Manager error the next call reads again
 * instead of failing until the container is recycled.
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";

let provider: SecretsProvider | undefined;

/** The secret's string value; throws when the read fails or the secret holds no string. */
export async function readSecret(arn: string, maxAgeSeconds: number): Promise<string> {
  // Built on first use: most handlers never read a secret.
  provider ??= new SecretsProvider();
  const value = await provider.get(arn, { maxAge: maxAgeSeconds });
  if (typeof value !== "string" || value === "") throw new Error("The secret holds no string value");
  return value;
}
