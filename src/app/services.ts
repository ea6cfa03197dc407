/**
 * What route factories and feature services get to work with: narrow, typed dependencies opened once by
 * the server (or by a test) and shared.
 */
import type { TokenService } from "../auth/tokens.js";
import type { Config } from "../config.js";
import type { Database, Queryable } from "../db/database.js";
import type { EventReads } from "../eventstore/port.js";
import type { KeyProvider } from "../keys/port.js";
import type { Logger } from "../log.js";
import type { Mailer } from "../mail/port.js";
import type { CommandBus } from "./command-bus.js";

export interface Services {
  config: Config;
  logger: Logger;
  /** Read models are queried here (the views in `public`); nothing but projections writes them. */
  db: Database;
  /**
   * The same read models for the lookups every request makes (subject, revocation, IP rules, vault,
   * policies), cached in process within a stated staleness bound (src/db/read-model-cache.ts). Absent: `db`.
   */
  lookups?: Queryable;
  /** Reads of streams; appending is the command bus's alone. */
  store: EventReads;
  /**
   * Reads of streams for checks that decide nothing (the secret an audited read opens), cached in process
   * within a stated staleness bound (src/eventstore/stream-cache.ts). Absent: `store`.
   */
  recentStreams?: Pick<EventReads, "readStream">;
  keys: KeyProvider;
  bus: CommandBus;
  tokens: TokenService;
  mail: Mailer;
  clock: () => Date;
}
