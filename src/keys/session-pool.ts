/**
 * A small pool of PKCS#11 sessions. A session runs one multi-step operation (init + encrypt/sign) at a
 * time, so each operation borrows a session for its whole duration; callers beyond the pool size wait.
 */
type Session = Buffer;

export class SessionPool {
  private readonly idle: Session[];
  private readonly all = new Set<Session>();
  private readonly waiters: Array<(session: Session) => void> = [];
  private drained?: () => void;
  private closing = false;

  constructor(
    sessions: Session[],
    private readonly openSession: () => Session,
    private readonly closeSession: (session: Session) => void,
  ) {
    this.idle = [...sessions];
    for (const session of sessions) this.all.add(session);
  }

  /**
   * Runs `operation` on a borrowed session. If it fails, the session may still hold a half-done
   * operation, so it is replaced by a fresh one (opened first: closing a token's last session logs out).
   */
  async use<T>(operation: (session: Session) => Promise<T> | T): Promise<T> {
    let session = await this.borrow();
    try {
      return await operation(session);
    } catch (error) {
      session = this.replace(session);
      throw error;
    } finally {
      this.giveBack(session);
    }
  }

  /** Waits for every borrowed session to come back, then returns them all; the pool serves no more. */
  async drain(): Promise<Session[]> {
    this.closing = true;
    if (this.idle.length < this.all.size) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.idle.length = 0;
    return [...this.all];
  }

  private borrow(): Promise<Session> {
    if (this.closing) return Promise.reject(new Error("the key provider is closed"));
    const session = this.idle.pop();
    if (session) return Promise.resolve(session);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private giveBack(session: Session): void {
    const waiter = this.waiters.shift();
    if (waiter) return waiter(session);
    this.idle.push(session);
    if (this.closing && this.idle.length === this.all.size) this.drained?.();
  }

  private replace(session: Session): Session {
    try {
      const fresh = this.openSession();
      this.all.delete(session);
      this.all.add(fresh);
      this.closeSession(session);
      return fresh;
    } catch {
      return session;
    }
  }
}
