// Members of the board. Everyone sees the list; the owner adds (by username) and removes people.
import { avatar } from './avatar.js';
import { confirmDialog } from './dialogs.js';
import { h, replace, syncChildren } from './dom.js';
import { memberId } from './store.js';

const ROLE_LABEL = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };

export function membersPanel({ actions, me }) {
  const list = h('ul', { class: 'member-list', testid: 'member-list' });
  const error = h('p', { class: 'form-message', role: 'alert', dataset: { kind: 'error' },
    testid: 'member-error', hidden: true });
  const username = h('input', { class: 'input', id: 'member-username', testid: 'member-username',
    name: 'username', required: true, minlength: 3, maxlength: 32, autocomplete: 'off',
    autocapitalize: 'none', spellcheck: 'false', placeholder: 'username' });
  const role = h('select', { class: 'input', id: 'member-role', testid: 'member-role', name: 'role' },
    h('option', { value: 'editor' }, 'Editor — can change cards and columns'),
    h('option', { value: 'viewer' }, 'Viewer — read only'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'add-member' },
    'Add member');
  const form = h('form', { class: 'member-form', testid: 'add-member-form' },
    h('h3', { class: 'panel-subtitle' }, 'Invite someone'),
    h('div', { class: 'field' }, h('label', { for: 'member-username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'member-role' }, 'Role'), role),
    error, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = username.value.trim();
    if (!name) return;
    submit.disabled = true;
    error.hidden = true;
    try {
      await actions.addMember(name, role.value);
      if (username.value.trim() === name) username.value = ''; // not what was typed meanwhile
      username.focus();
    } catch (err) {
      error.textContent = err.status === 404 ? `No user called “${name}”.`
        : err.status === 409 ? `${name} is already a member.`
          : `Could not add “${name}”: ${err.message}`;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  const el = h('section', { class: 'panel', testid: 'members-panel', 'aria-labelledby': 'members-title' },
    h('h2', { class: 'panel-title', id: 'members-title' }, 'Members'),
    list,
    form);

  async function remove(member) {
    const ok = await confirmDialog({ title: `Remove ${member.username}?`,
      message: 'They lose access to this board at once.', confirmLabel: 'Remove', danger: true });
    if (ok) actions.removeMember(member);
  }

  function render(view) {
    form.hidden = !view.isOwner;
    syncChildren(list, view.members, {
      key: (m) => memberId(m),
      create: (m) => h('li', { class: 'member' }),
      update: () => {},
    });
    for (const li of list.children) {
      const m = view.membersById.get(Number(li.dataset.key));
      if (!m) continue;
      const id = memberId(m);
      const signature = JSON.stringify([m.username, m.role, view.isOwner]);
      if (li.signature === signature) continue;
      li.signature = signature;
      li.dataset.testid = `member-${id}`;
      replace(li,
        avatar({ id, username: m.username }),
        h('span', { class: 'member-name' }, m.username,
          id === me?.id ? h('span', { class: 'muted' }, ' (you)') : null),
        h('span', { class: `badge badge-${m.role}` }, ROLE_LABEL[m.role] ?? m.role),
        view.isOwner && m.role !== 'owner'
          ? h('button', { type: 'button', class: 'icon-btn', testid: `remove-member-${id}`,
              'aria-label': `Remove ${m.username}`, title: `Remove ${m.username}`,
              onclick: () => remove(m) }, '×')
          : null);
    }
  }

  return { el, render };
}
