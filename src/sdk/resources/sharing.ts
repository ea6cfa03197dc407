import { segment, type HttpClient } from "../http.js";
import type { CreateShareRequest, OneclawResponse, SharedSecretResponse, ShareListResponse, ShareResponse } from "../types.js";

/** Sharing one secret: by link, with a user or agent, with the agent's creator, or by email (humans only). */
export class SharingResource {
  constructor(private readonly http: HttpClient) {}

  create(secretId: string, body: CreateShareRequest): Promise<OneclawResponse<ShareResponse>> {
    return this.http.request("POST", `/v1/secrets/${segment(secretId)}/share`, { body });
  }

  /** Reads the shared value (counts against the share's max_access_count). */
  access(shareId: string, options: { passphrase?: string } = {}): Promise<OneclawResponse<SharedSecretResponse>> {
    return this.http.request("GET", `/v1/share/${segment(shareId)}`,
      options.passphrase ? { headers: { "X-Share-Passphrase": options.passphrase } } : {});
  }

  listOutbound(): Promise<OneclawResponse<ShareListResponse>> {
    return this.http.request("GET", "/v1/shares/outbound");
  }

  listInbound(): Promise<OneclawResponse<ShareListResponse>> {
    return this.http.request("GET", "/v1/shares/inbound");
  }

  accept(shareId: string): Promise<OneclawResponse<null>> {
    return this.http.request("POST", `/v1/shares/${segment(shareId)}/accept`);
  }

  decline(shareId: string): Promise<OneclawResponse<null>> {
    return this.http.request("POST", `/v1/shares/${segment(shareId)}/decline`);
  }

  revoke(shareId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/share/${segment(shareId)}`);
  }
}
