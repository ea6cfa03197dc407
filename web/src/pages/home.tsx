/** The home page: counts of what the organisation has, and where to go next. */
import { api } from "../api";
import { Link } from "../router";
import type { Session } from "../session";
import { ErrorBox, PageTitle, useLoad } from "../ui";

export function HomePage(props: { session: Session }) {
  const counts = useLoad(async () => {
    const [vaults, agents, inbound] = await Promise.all([
      api<{ vaults: { system: boolean }[] }>("GET", "/v1/vaults"),
      api<{ agents: unknown[] }>("GET", "/v1/agents"),
      api<{ shares: { status: string }[] }>("GET", "/v1/shares/inbound"),
    ]);
    return { vaults: vaults.vaults.filter((v) => !v.system).length, agents: agents.agents.length,
      pending: inbound.shares.filter((s) => s.status === "pending").length };
  }, []);
  const data = counts.data;
  return (
    <main id="main">
      <PageTitle>Dashboard</PageTitle>
      <p>Signed in as {props.session.email}.</p>
      <ErrorBox error={counts.error} />
      {data && (
        <ul class="tiles">
          <li><Link href="/vaults"><strong>{data.vaults}</strong> vaults</Link></li>
          <li><Link href="/agents"><strong>{data.agents}</strong> agents</Link></li>
          <li><Link href="/sharing"><strong>{data.pending}</strong> shares waiting for you</Link></li>
        </ul>
      )}
      {data && data.vaults === 0 && <p class="notice">Get started: <Link href="/vaults">create a vault</Link>, store a secret, then give an agent access.</p>}
    </main>
  );
}
