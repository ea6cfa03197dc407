/**
 * `env_bundle` secrets hold KEY=VALUE lines (a .env file). Checked when stored, so that offering the parsed
 * form on read (what the MCP `get_env_bundle` tool returns) cannot fail.
 */
import { Invalid } from "../../commands/errors.js";

export class InvalidEnvBundle extends Invalid {
  constructor(line: number, reason: string) {
    // The line number only: the line itself may hold a secret.
    super(`env_bundle value, line ${line}: ${reason}`);
    this.name = "InvalidEnvBundle";
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Unwraps one level of matching single or double quotes. */
function unquote(value: string): string {
  const first = value[0];
  return value.length >= 2 && (first === "\"" || first === "'") && value.endsWith(first) ? value.slice(1, -1) : value;
}

/**
 * The variables of a bundle, in order. Blank lines and `#` comments are skipped, an `export ` prefix is
 * allowed, the value is everything after the first `=`, trimmed and unquoted; a later duplicate wins.
 */
export function parseEnvBundle(text: string): Record<string, string> {
  // A Map, then own properties: a key like `__proto__` must stay a plain key.
  const variables = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    if (equals < 0) throw new InvalidEnvBundle(index + 1, "expected KEY=VALUE");
    const key = line.slice(0, equals).trim().replace(/^export\s+/, "");
    if (!KEY.test(key)) throw new InvalidEnvBundle(index + 1, "the key must be letters, digits, '_' or '.', not starting with a digit");
    variables.set(key, unquote(line.slice(equals + 1).trim()));
  });
  return Object.fromEntries(variables);
}
