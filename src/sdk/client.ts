import { HttpClient, type ClientConfig } from "./http.js";
import { AccessResource } from "./resources/access.js";
import { AgentsResource } from "./resources/agents.js";
import { ApiKeysResource } from "./resources/api-keys.js";
import { AuditResource } from "./resources/audit.js";
import { AuthResource } from "./resources/auth.js";
import { BillingResource } from "./resources/billing.js";
import { ChainsResource } from "./resources/chains.js";
import { DeviceLoginResource } from "./resources/device-login.js";
import { OrgResource } from "./resources/org.js";
import { SecretsResource } from "./resources/secrets.js";
import { SharingResource } from "./resources/sharing.js";
import { VaultsResource } from "./resources/vaults.js";

/** One client per identity: its resources share the credentials, the token and its refresh. */
export class KeyledgerClient {
  readonly vaults: VaultsResource;
  /** The 1claw SDK's name for `vaults`. */
  readonly vault: VaultsResource;
  readonly secrets: SecretsResource;
  readonly agents: AgentsResource;
  readonly access: AccessResource;
  readonly sharing: SharingResource;
  readonly audit: AuditResource;
  readonly apiKeys: ApiKeysResource;
  readonly auth: AuthResource;
  readonly deviceLogin: DeviceLoginResource;
  readonly chains: ChainsResource;
  readonly org: OrgResource;
  readonly billing: BillingResource;
  private readonly http: HttpClient;

  constructor(config: ClientConfig) {
    const http = new HttpClient(config);
    this.http = http;
    this.vaults = this.vault = new VaultsResource(http);
    this.secrets = new SecretsResource(http);
    this.agents = new AgentsResource(http);
    this.access = new AccessResource(http);
    this.sharing = new SharingResource(http);
    this.audit = new AuditResource(http);
    this.apiKeys = new ApiKeysResource(http);
    this.auth = new AuthResource(http);
    this.deviceLogin = new DeviceLoginResource(http);
    this.chains = new ChainsResource(http);
    this.org = new OrgResource(http);
    this.billing = new BillingResource(http);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The agent this client acts as: given, or learnt from the last key exchange. */
  get agentId(): string | undefined {
    return this.http.agentId;
  }

  /** The vaults the agent's token is bound to, from the last key exchange (empty: not bound). */
  get vaultIds(): string[] | undefined {
    return this.http.vaultIds;
  }
}

export function createClient(config: ClientConfig): KeyledgerClient {
  return new KeyledgerClient(config);
}
