/**
 * `DATABASE_URL` may name a database that does not exist yet (a fresh server, the README's first run): the
 * server creates it, through the server's maintenance database, instead of exiting.
 */
import pg from "pg";

const UNDEFINED_DATABASE = "3D000";
const DUPLICATE_DATABASE = "42P04";

/** Creates the database the URL names when it is absent; resolves with whether it did. */
export async function createDatabaseIfAbsent(url: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== UNDEFINED_DATABASE) throw error;
  } finally {
    await probe.end().catch(() => {});
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 5000 });
  admin.on("error", () => {});
  try {
    await admin.connect();
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    return true;
  } catch (error) {
    // Another process created it meanwhile.
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return false;
    throw error;
  } finally {
    await admin.end().catch(() => {});
  }
}
