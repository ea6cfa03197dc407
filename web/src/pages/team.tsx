/**
 * Team: the organisation's members and their roles (owners and admins change them), and invitations by email
 * (owners and admins send, follow and revoke them; the invitee signs up from the mailed link).
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { Session } from "../session";
import { ErrorBox, Form, Notice, PageTitle, TextField, useAction, useLoad, when } from "../ui";

interface Member { id: string; email: string; display_name: string; role: "owner" | "admin" | "member"; created_at: string }
interface Invitation {
  id: string; email: string; role: "admin" | "member"; created_at: string; expires_at: string;
  status: "pending" | "accepted" | "revoked" | "expired";
}

export function TeamPage(props: { session: Session }) {
  const members = useLoad(() => api<{ members: Member[] }>("GET", "/v1/org/members"), []);
  const myRole = members.data?.members.find((m) => m.id === props.session.user_id)?.role;
  const manages = myRole === "owner" || myRole === "admin";
  const change = useAction(async (id: string, role: string) => {
    await api("PATCH", `/v1/org/members/${id}`, { role });
    members.reload();
  });
  const remove = useAction(async (id: string) => {
    await api("DELETE", `/v1/org/members/${id}`);
    members.reload();
  });
  return (
    <main id="main">
      <PageTitle>Team</PageTitle>
      <ErrorBox error={members.error ?? change.error ?? remove.error} />
      <table>
        <caption>Members</caption>
        <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>{members.data?.members.map((member) => (
          <tr key={member.id}>
            <td>{member.display_name} <small>{member.email}</small></td>
            <td>
              <label class="sr-only" for={`role-${member.id}`}>Role of {member.email}</label>
              <select id={`role-${member.id}`} value={member.role} disabled={member.id === props.session.user_id}
                onChange={(e) => change.run(member.id, e.currentTarget.value)}>
                <option value="owner">owner</option><option value="admin">admin</option><option value="member">member</option>
              </select>
            </td>
            <td>{when(member.created_at)}</td>
            <td>{member.id !== props.session.user_id && <button type="button" class="danger" onClick={() => remove.run(member.id)}>Remove</button>}</td>
          </tr>
        ))}</tbody>
      </table>
      {manages && <Invitations />}
    </main>
  );
}

/** The invite form and the invitations sent, with revoke for the pending ones. */
function Invitations() {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [sentTo, setSentTo] = useState<string>();
  const invitations = useLoad(() => api<{ invitations: Invitation[] }>("GET", "/v1/org/invites"), []);
  const invite = useAction(async () => {
    const answer = await api<{ email: string }>("POST", "/v1/org/invite", { email, role });
    setSentTo(answer.email);
    setEmail("");
    invitations.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api("DELETE", `/v1/org/invites/${id}`);
    invitations.reload();
  });
  return (
    <>
      <Form label="Invite a member" onSubmit={() => invite.run()}>
        <h2>Invite by email</h2>
        <TextField label="Email" type="email" value={email} onInput={setEmail} required
          hint="They get a link to sign up into this organisation, valid 7 days." />
        <div class="field">
          <label for="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as "member" | "admin")}>
            <option value="member">member</option><option value="admin">admin</option>
          </select>
        </div>
        <ErrorBox error={invite.error} />
        {sentTo && <Notice>Invitation sent to {sentTo}.</Notice>}
        <button type="submit" disabled={invite.busy}>Send invitation</button>
      </Form>
      <ErrorBox error={invitations.error ?? revoke.error} />
      <table>
        <caption>Invitations</caption>
        <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>{invitations.data?.invitations.map((invitation) => (
          <tr key={invitation.id}>
            <td>{invitation.email}</td>
            <td>{invitation.role}</td>
            <td>{invitation.status}</td>
            <td>{when(invitation.expires_at)}</td>
            <td>{invitation.status === "pending" &&
              <button type="button" class="danger" aria-label={`Revoke the invitation of ${invitation.email}`}
                onClick={() => revoke.run(invitation.id)}>Revoke</button>}</td>
          </tr>
        ))}</tbody>
      </table>
      {invitations.data?.invitations.length === 0 && <p class="hint">No invitations yet.</p>}
    </>
  );
}
