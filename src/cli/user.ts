/**
 * `keyledger user create --email E --password P`: bootstraps an account without mail, writing the same
 * events as a verified signup to the configured store. The server's projections pick them up when it runs.
 */
import { CommandBus } from "../app/command-bus.js";
import { withStores } from "../app/stores.js";
import type { Config } from "../config.js";
import { hashPassword, MIN_PASSWORD_LENGTH } from "../humans/passwords.js";
import { registerUser } from "../humans/register.js";
import type { Role } from "../humans/queries.js";

export interface UserCreateOptions {
  email: string;
  password: string;
  displayName?: string;
  /** Join this existing organisation instead of founding one. */
  org?: string;
  role?: Role;
}

export class InvalidUserOptions extends Error {
  constructor(message: string) { super(message); this.name = "InvalidUserOptions"; }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function userCreateCommand(config: Config, options: UserCreateOptions,
  out: NodeJS.WritableStream = process.stdout): Promise<{ userId: string; orgId: string }> {
  if (!EMAIL.test(options.email.trim())) throw new InvalidUserOptions("--email must be an email address");
  if (options.password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidUserOptions(`--password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (options.org !== undefined && !UUID.test(options.org)) throw new InvalidUserOptions("--org must be an organisation id (a UUID)");
  return withStores(config, async ({ store }) => {
    const bus = new CommandBus({ store });
    const created = await registerUser(bus, {
      email: options.email, displayName: options.displayName, authMethod: "password",
      passwordHash: await hashPassword(options.password),
      join: options.org ? { orgId: options.org.toLowerCase(), role: options.role ?? "member" } : undefined,
    }, { actor: { type: "operator", id: "cli" } });
    out.write(`user_id: ${created.userId}\norg_id: ${created.orgId}\nrole: ${created.role}\n`);
    return created;
  }, { create: true }); // bootstrapping a store with its first user is this command's purpose
}
