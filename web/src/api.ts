/**
 * The dashboard's one way to call the API: same origin, the session cookie goes along by itself, and every
 * state-changing request carries the session's CSRF token (kept in memory only, never in storage). An error
 * answer becomes an ApiError carrying the API's own `detail`, which the pages show as is.
 */
let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(readonly status: number, detail: string) {
    super(detail);
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown,
  headers: Record<string, string> = {}): Promise<T> {
  const sent: Record<string, string> = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) sent["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method, headers: sent, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data: any;
  try { data = text ? JSON.parse(text) : undefined; } catch { data = undefined; }
  if (!response.ok) throw new ApiError(response.status, data?.detail ?? `${response.status} ${response.statusText}`);
  return data as T;
}

/** `/v1/vaults/{id}/secrets/a/b`: each path segment encoded, the slashes kept. */
export function secretPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string] => !!entry[1]);
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
}

/** A `datetime-local` input's value (local time) as an ISO instant, or undefined when empty. */
export function isoFromLocal(value: string): string | undefined {
  return value ? new Date(value).toISOString() : undefined;
}

/** An ISO instant as a `datetime-local` input's value (local time, to the minute). */
export function localFromIso(iso: string): string {
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
