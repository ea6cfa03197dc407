/**
 * What a projection writes through and a query reads through: SQL on one of the two PostgreSQL engines
 * (src/db implements it for `pg` and PGlite). Bigints are cast to text in SQL where they matter: the two
 * drivers parse int8 differently.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Several statements, no parameters (DDL). */
  exec(text: string): Promise<void>;
}
