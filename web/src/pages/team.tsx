/** Team: the organisation's members and their roles (owners and admins change them). */
import { api } from "../api";
import type { Session } from "../session";
import { ErrorBox, PageTitle, useAction, useLoad, when } from "../ui";

interface Member { id: string; email: string; display_name: string; role: "owner" | "admin" | "member"; created_at: string }

export function TeamPage(props: { session: Session }) {
  const members = useLoad(() => api<{ members: Member[] }>("GET", "/v1/org/members"), []);
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
      <p class="hint">Invitations by email are not part of Keyledger yet: members join by signing up and being added by an owner.</p>
    </main>
  );
}
