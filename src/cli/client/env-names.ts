/** How secrets become environment variables (as the 1claw CLI's `env run`): `api-keys/stripe` -> `API_KEYS_STRIPE`. */

export function variableName(secretPath: string): string {
  return secretPath.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
}

/** dotenv: `K=V`, double-quoted (with escapes) when the value has spaces, quotes, `#`, `$` or newlines. */
export function formatDotenv(variables: Record<string, string>): string {
  return Object.entries(variables).map(([name, value]) =>
    `${name}=${/[\s"'#$\\]/.test(value) || value === "" ? JSON.stringify(value) : value}\n`).join("");
}

/** POSIX shell: `export K='V'`, single quotes escaped. */
export function formatShell(variables: Record<string, string>): string {
  return Object.entries(variables).map(([name, value]) => `export ${name}='${value.replace(/'/g, "'\\''")}'\n`).join("");
}
