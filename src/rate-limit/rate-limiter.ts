/**
 * Rate limits kept in PostgreSQL, so that every API process on one database draws from the same buckets
 * (on the embedded PGlite there is one process, and the same code applies).
 *
 * The bucket is stored the GCRA way (the "virtual scheduling" form of a token bucket): one timestamp per
 * key, the theoretical arrival time (TAT) of the next request once the bucket has refilled. A request at
 * time t is admitted when TAT - t <= (burst - 1) / rate, and then moves TAT to max(TAT, t) + 1 / rate. That
 * is one conditional upsert: atomic under concurrency without a lock, and without a refill job. Time is the
 * database's, so processes with skewed clocks still agree.
 */
import type { Database } from "../db/database.js";
import { formatCidr, formatIp, parseIp } from "../../commands/rules/cidr.js";

export interface RateLimitPolicy {
  /** Requests a fresh client may make at once. */
  burst: number;
  /** Sustained requests per second once the burst is spent. */
  perSecond: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request against the key's bucket. */
  take(key: string): Promise<RateLimitVerdict>;
}

/** Arbitrary constant shared by every process that creates the table. */
const SCHEMA_LOCK_KEY = 7_310_452_119;
/** Rows whose TAT has passed mean the same as no row; they are swept after this many takes per process. */
const PRUNE_EVERY = 1000;

/** Creates the bucket table when missing; safe when several processes start at once. */
async function ensureSchema(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
    await tx.exec(`create table if not exists rate_limit_buckets (key text primary key, tat timestamptz not null)`);
  });
}

export async function openRateLimiter(db: Database, policy: RateLimitPolicy, name: string): Promise<RateLimiter> {
  await ensureSchema(db);
  const interval = 1 / policy.perSecond;
  const tolerance = (policy.burst - 1) * interval;
  let takes = 0;
  return {
    async take(key) {
      if (++takes % PRUNE_EVERY === 0) await db.query(`delete from rate_limit_buckets where tat < now()`);
      const bucket = `${name}:${key}`;
      const admitted = await db.query(
        `insert into rate_limit_buckets as b (key, tat) values ($1, now() + $2::float8 * interval '1 second')
         on conflict (key) do update set tat = greatest(b.tat, now()) + $2::float8 * interval '1 second'
           where greatest(b.tat, now()) - now() <= $3::float8 * interval '1 second'
         returning 1`,
        [bucket, interval, tolerance],
      );
      if (admitted.rowCount > 0) return { allowed: true };
      // Refused: the next request fits once TAT - t is back within the tolerance.
      const { rows } = await db.query<{ wait: number | string }>(
        `select (extract(epoch from tat - now()) - $2::float8)::float8 as wait from rate_limit_buckets where key = $1`,
        [bucket, tolerance],
      );
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(rows[0]?.wait ?? interval))) };
    },
  };
}

/**
 * The bucket a client address draws from. IPv4-mapped IPv6 is the IPv4 address; IPv6 clients are keyed by
 * their /64, the block one subscriber usually gets, or each of its addresses would have a bucket of its own.
 */
export function clientKey(ip: string): string {
  const address = parseIp(ip);
  if (!address) return ip;
  if (address.family === 4) return formatIp(address);
  return formatCidr({ family: 6, network: (address.value >> 64n) << 64n, prefixLength: 64 });
}
