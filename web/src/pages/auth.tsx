/** Signing in (password, then the TOTP step when MFA is on; Google when configured), signing up, verifying. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate } from "../router";
import { adoptSession, type Session } from "../session";
import { ErrorBox, Form, Notice, PageTitle, TextField, useAction, useLoad } from "../ui";

type LoginAnswer = ({ signed_in: true } & Session) | { mfa_required: true; mfa_token: string };

function signedIn(session: Session, next: string) {
  adoptSession(session);
  navigate(next.startsWith("/") && !next.startsWith("//") ? next : "/", true);
}

/** Where the sign-in page keeps the nonce of the Google sign-in it started, for the page Google returns to. */
const GOOGLE_NONCE = "keyledger.google-nonce";

/** Google's implicit flow, by redirect: no script of Google's runs on our pages. */
function googleUrl(clientId: string, nonce: string): string {
  const params = new URLSearchParams({ client_id: clientId, response_type: "id_token", scope: "openid email profile",
    redirect_uri: `${location.origin}/signin`, nonce, prompt: "select_account" });
  return `https://accounts.google.com/o/oauth2/v2/auth?${params}`;
}

export function SignInPage(props: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [mfaToken, setMfaToken] = useState<string>();
  const config = useLoad(() => api<{ google_client_id?: string }>("GET", "/v1/auth/session/config"), []);
  const onAnswer = (answer: LoginAnswer) => {
    if ("mfa_required" in answer) setMfaToken(answer.mfa_token);
    else signedIn(answer, props.next);
  };
  const password_ = useAction(async () => onAnswer(await api<LoginAnswer>("POST", "/v1/auth/session/login", { email, password })));
  const mfa = useAction(async () => signedIn(await api<Session>("POST", "/v1/auth/session/mfa", { mfa_token: mfaToken, code }), props.next));
  // The nonce of the Google sign-in this tab started: the ID token that comes back must carry it, so a token
  // slipped into the address from elsewhere signs nobody in.
  const [nonce] = useState(() => crypto.randomUUID());
  const google = useAction(async (idToken: string) => {
    const expected = sessionStorage.getItem(GOOGLE_NONCE);
    sessionStorage.removeItem(GOOGLE_NONCE);
    if (!expected) throw new Error("This Google sign-in was not started here: start it again from this page.");
    onAnswer(await api<LoginAnswer>("POST", "/v1/auth/session/google", { id_token: idToken, nonce: expected }));
  });
  useEffect(() => {
    const idToken = new URLSearchParams(location.hash.slice(1)).get("id_token");
    if (idToken) {
      history.replaceState(null, "", "/signin");
      void google.run(idToken);
    }
  }, []);

  if (mfaToken) {
    return (
      <main id="main" class="narrow">
        <PageTitle>Two-factor code</PageTitle>
        <Form label="Two-factor code" onSubmit={() => mfa.run()}>
          <TextField label="Code from your authenticator app (or a recovery code)" value={code} onInput={setCode}
            autocomplete="one-time-code" required />
          <ErrorBox error={mfa.error} />
          <button type="submit" disabled={mfa.busy}>Verify</button>
        </Form>
      </main>
    );
  }
  return (
    <main id="main" class="narrow">
      <PageTitle>Sign in to Keyledger</PageTitle>
      <Form label="Sign in" onSubmit={() => password_.run()}>
        <TextField label="Email" type="email" value={email} onInput={setEmail} autocomplete="username" required />
        <TextField label="Password" type="password" value={password} onInput={setPassword} autocomplete="current-password" required />
        <ErrorBox error={password_.error ?? google.error} />
        <button type="submit" disabled={password_.busy}>Sign in</button>
      </Form>
      {config.data?.google_client_id && (
        <p><a class="button secondary" href={googleUrl(config.data.google_client_id, nonce)}
          onClick={() => sessionStorage.setItem(GOOGLE_NONCE, nonce)}>Sign in with Google</a></p>
      )}
      <p>No account yet? <Link href="/signup">Sign up</Link></p>
    </main>
  );
}

export function SignUpPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [sentTo, setSentTo] = useState<string>();
  const signup = useAction(async () => {
    const answer = await api<{ email: string }>("POST", "/v1/auth/signup",
      { email, password, ...(name && { display_name: name }) });
    setSentTo(answer.email);
  });
  return (
    <main id="main" class="narrow">
      <PageTitle>Create your account</PageTitle>
      {sentTo ? <Notice>We sent a verification link to {sentTo}. Open it to finish.</Notice> : (
        <Form label="Sign up" onSubmit={() => signup.run()}>
          <TextField label="Email" type="email" value={email} onInput={setEmail} autocomplete="email" required />
          <TextField label="Display name" value={name} onInput={setName} autocomplete="name" />
          <TextField label="Password" type="password" value={password} onInput={setPassword} autocomplete="new-password"
            hint="At least 8 characters." required />
          <ErrorBox error={signup.error} />
          <button type="submit" disabled={signup.busy}>Sign up</button>
        </Form>
      )}
      <p>Have an account? <Link href="/signin">Sign in</Link></p>
    </main>
  );
}

export function VerifyEmailPage(props: { token: string }) {
  const verify = useAction(async () => signedIn(await api<Session>("POST", "/v1/auth/session/verify-email", { token: props.token }), "/"));
  return (
    <main id="main" class="narrow">
      <PageTitle>Verify your email</PageTitle>
      <p>Confirm to create your account and sign in.</p>
      <ErrorBox error={verify.error} />
      <button type="button" disabled={verify.busy || !props.token} onClick={() => verify.run()}>Verify and sign in</button>
    </main>
  );
}

/** The mailed invitation's link: choose a password, and the account is made in the inviting organisation. */
export function AcceptInvitePage(props: { token: string }) {
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const accept = useAction(async () => signedIn(await api<Session>("POST", "/v1/auth/session/accept-invite",
    { token: props.token, password, ...(name && { display_name: name }) }), "/team"));
  return (
    <main id="main" class="narrow">
      <PageTitle>Join your team on Keyledger</PageTitle>
      <p>You were invited to an organisation. Choose a password to create your account with the invited address.</p>
      <Form label="Accept the invitation" onSubmit={() => accept.run()}>
        <TextField label="Display name" value={name} onInput={setName} autocomplete="name" />
        <TextField label="Password" type="password" value={password} onInput={setPassword} autocomplete="new-password"
          hint="At least 8 characters." required />
        <ErrorBox error={accept.error} />
        <button type="submit" disabled={accept.busy || !props.token}>Accept and sign in</button>
      </Form>
      <p>Have an account? <Link href="/signin">Sign in</Link></p>
    </main>
  );
}
