/** Outgoing mail: verification links, agent enrolment credentials, share notifications. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** "smtp" or "outbox"; for logs and health. */
  readonly kind: string;
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
