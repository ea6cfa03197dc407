import { segment, type HttpClient } from "../http.js";
import type { ChainListResponse, ChainResponse, OneclawResponse } from "../types.js";

/** The chain registry of the Intents API (public). */
export class ChainsResource {
  constructor(private readonly http: HttpClient) {}

  list(): Promise<OneclawResponse<ChainListResponse>> {
    return this.http.request("GET", "/v1/chains", { auth: false });
  }

  /** By name (`base`, `sepolia`) or numeric chain id. */
  get(identifier: string | number): Promise<OneclawResponse<ChainResponse>> {
    return this.http.request("GET", `/v1/chains/${segment(String(identifier))}`, { auth: false });
  }
}
