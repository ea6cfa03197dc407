/**
 * The signed-in state. The token stays in the httpOnly cookie; the page only knows who is signed in and the
 * session's CSRF token, and refreshes the session before its short-lived token runs out.
 */
import { api, setCsrfToken } from "./api";

export interface Session { user_id: string; email: string; csrf_token: string; expires_in: number }
type SessionState = ({ signed_in: true } & Session) | { signed_in: false };

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(session: Session | undefined) => void>();

export function onSessionChange(listener: (session: Session | undefined) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Adopts a session answer from any sign-in route, and schedules its refresh at two thirds of its life. */
export function adoptSession(session: Session | undefined): void {
  clearTimeout(refreshTimer);
  setCsrfToken(session?.csrf_token);
  if (session) {
    refreshTimer = setTimeout(() => {
      api<Session>("POST", "/v1/auth/session/refresh").then(adoptSession, () => adoptSession(undefined));
    }, Math.max(5, session.expires_in * 2 / 3) * 1000);
  }
  listeners.forEach((listener) => listener(session));
}

export async function loadSession(): Promise<Session | undefined> {
  const state = await api<SessionState>("GET", "/v1/auth/session");
  const session = state.signed_in ? state : undefined;
  adoptSession(session);
  return session;
}

export async function signOut(): Promise<void> {
  await api("DELETE", "/v1/auth/session");
  adoptSession(undefined);
}
