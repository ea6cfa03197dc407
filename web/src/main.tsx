/** The dashboard's shell: session, sidebar navigation and the page for the current path. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { Link, navigate, useLocation } from "./router";
import { loadSession, onSessionChange, signOut, type Session } from "./session";
import { ErrorBox } from "./ui";
import { AcceptInvitePage, SignInPage, SignUpPage, VerifyEmailPage } from "./pages/auth";
import { HomePage } from "./pages/home";
import { VaultListPage, VaultPage } from "./pages/vaults";
import { SecretPage } from "./pages/secret";
import { AgentListPage, AgentPage } from "./pages/agents";
import { PublicSharePage, SharingPage } from "./pages/sharing";
import { AuditPage } from "./pages/audit";
import { SecurityPage } from "./pages/security";
import { ApiKeysPage } from "./pages/api-keys";
import { TeamPage } from "./pages/team";
import { BillingPage } from "./pages/billing";
import { DeviceLoginPage } from "./pages/device";

const NAV = [
  ["/", "Dashboard"], ["/vaults", "Vaults"], ["/agents", "Agents"], ["/sharing", "Sharing"], ["/audit", "Audit Log"],
  ["/security", "Security"], ["/api-keys", "API Keys"], ["/billing", "Billing"], ["/team", "Team"],
] as const;

/** Pages anyone may open: signing in, and a link share's public page. */
function publicPage(url: URL) {
  const path = url.pathname;
  if (path === "/signin") return <SignInPage next={url.searchParams.get("next") ?? "/"} />;
  if (path === "/signup") return <SignUpPage />;
  if (path === "/verify-email") return <VerifyEmailPage token={url.searchParams.get("token") ?? ""} />;
  if (path === "/accept-invite") return <AcceptInvitePage token={url.searchParams.get("token") ?? ""} />;
  const share = /^\/share\/([^/]+)$/.exec(path);
  if (share) return <PublicSharePage shareId={decodeURIComponent(share[1])} />;
  return undefined;
}

function signedInPage(url: URL, session: Session) {
  const path = url.pathname;
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (path === "/") return <HomePage session={session} />;
  if (path === "/vaults") return <VaultListPage />;
  if (parts[0] === "vaults" && parts.length === 2) return <VaultPage vaultId={parts[1]} tab={url.searchParams.get("tab") ?? "secrets"} />;
  if (parts[0] === "vaults" && parts[2] === "secrets" && parts.length > 3) {
    return <SecretPage vaultId={parts[1]} path={parts.slice(3).join("/")} />;
  }
  if (path === "/agents") return <AgentListPage />;
  if (parts[0] === "agents" && parts.length === 2) return <AgentPage agentId={parts[1]} />;
  if (path === "/sharing") return <SharingPage />;
  if (path === "/audit") return <AuditPage />;
  if (path === "/security") return <SecurityPage />;
  if (path === "/api-keys") return <ApiKeysPage />;
  if (path === "/billing") return <BillingPage />;
  if (path === "/team") return <TeamPage session={session} />;
  if (path === "/cli/verify") return <DeviceLoginPage code={url.searchParams.get("code") ?? ""} />;
  return <main id="main"><h1>Not found</h1><p>No page at {path}.</p></main>;
}

function App() {
  const url = useLocation();
  const [session, setSession] = useState<Session | undefined | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const stop = onSessionChange((next) => setSession(next));
    loadSession().catch((caught) => { setError(caught); setSession(undefined); });
    return stop;
  }, []);

  const open = publicPage(url);
  if (open) return <div class="public">{open}</div>;
  if (session === null) return <p class="loading" role="status">Loading…</p>;
  if (!session) {
    const next = url.pathname + url.search;
    return <div class="public"><ErrorBox error={error} /><SignInPage next={next} /></div>;
  }
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <nav aria-label="Main">
        <p class="brand">Keyledger</p>
        <ul>
          {NAV.map(([href, label]) => (
            <li key={href}>
              <Link href={href} current={href === "/" ? url.pathname === "/" : url.pathname.startsWith(href)}>{label}</Link>
            </li>
          ))}
        </ul>
        <p class="who">{session.email}</p>
        <button type="button" class="secondary" onClick={() => signOut().finally(() => navigate("/signin"))}>Sign out</button>
      </nav>
      {signedInPage(url, session)}
    </div>
  );
}

render(<App />, document.getElementById("app")!);
