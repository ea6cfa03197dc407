import type { HttpClient } from "../http.js";
import type {
  AuditEventResponse, AuditEventsResponse, AuditListQuery, AuditQuery, AuditVerifyQuery, AuditVerifyResponse, OneclawResponse,
} from "../types.js";

/** The organisation's audit log (humans only). */
export class AuditResource {
  constructor(private readonly http: HttpClient) {}

  /** Newest first; filters combine with AND. */
  query(filters: AuditQuery = {}): Promise<OneclawResponse<AuditEventsResponse>> {
    return this.http.request("GET", "/v1/audit/events", { query: { ...filters } });
  }

  /** The newest entries, optionally about one vault (and everything in it) or one action: `GET /v1/audit`. */
  list(filters: AuditListQuery = {}): Promise<OneclawResponse<AuditEventResponse[]>> {
    return this.http.request("GET", "/v1/audit", { query: { ...filters } });
  }

  /** Re-derives the hash chain from the event log and names the first broken link. */
  verify(options: AuditVerifyQuery = {}): Promise<OneclawResponse<AuditVerifyResponse>> {
    return this.http.request("GET", "/v1/audit/verify", { query: { ...options } });
  }
}
