// Sign-in and sign-up forms.
import { signIn, signUp } from './auth.js';
import { h, replace } from './dom.js';

function field({ label, hint, ...input }) {
  const id = `f-${input.name}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, class: 'input', ...input, 'aria-describedby': hint ? `${id}-hint` : null }),
    hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null);
}

export function authView(root, mode, { flash }) {
  const isSignIn = mode === 'signin';
  document.title = `${isSignIn ? 'Sign in' : 'Create account'} · TaskFlow`;
  const message = h('p', { class: 'form-message', role: 'alert', testid: 'auth-message',
    hidden: !flash }, flash?.message ?? '');
  if (flash) message.dataset.kind = flash.kind;

  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block',
    testid: isSignIn ? 'login-submit' : 'signup-submit' }, isSignIn ? 'Sign in' : 'Create account');

  const fields = isSignIn
    ? [
        field({ label: 'Username', name: 'username', autocomplete: 'username', required: true,
          testid: 'login-username', autocapitalize: 'none', spellcheck: 'false' }),
        field({ label: 'Password', name: 'password', type: 'password', required: true,
          autocomplete: 'current-password', testid: 'login-password' }),
      ]
    : [
        field({ label: 'Username', name: 'username', autocomplete: 'username', required: true,
          minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_.\\-]+', autocapitalize: 'none',
          spellcheck: 'false', testid: 'signup-username',
          hint: '3–32 letters, digits, dots, dashes or underscores.' }),
        field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true,
          testid: 'signup-email' }),
        field({ label: 'Password', name: 'password', type: 'password', required: true,
          minlength: 8, maxlength: 128, autocomplete: 'new-password', testid: 'signup-password',
          hint: 'At least 8 characters.' }),
      ];

  const form = h('form', { class: 'auth-form', testid: isSignIn ? 'login-form' : 'signup-form',
    novalidate: false }, message, fields, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    submit.disabled = true;
    submit.textContent = isSignIn ? 'Signing in…' : 'Creating account…';
    try {
      if (isSignIn) await signIn(data.username, data.password);
      else await signUp(data);
      // Signed in: app.js moves every tab on the sign-in form to the board asked for.
    } catch (error) {
      message.hidden = false;
      message.dataset.kind = 'error';
      message.textContent =
        isSignIn && error.status === 401 ? 'Wrong username or password.' : error.message;
      submit.disabled = false;
      submit.textContent = isSignIn ? 'Sign in' : 'Create account';
      form.querySelector(isSignIn ? '[name=password]' : '[name=username]').focus();
    }
  });

  replace(root,
    h('section', { class: 'auth-page' },
      h('div', { class: 'auth-card' },
        h('h1', { class: 'auth-title' }, isSignIn ? 'Welcome back' : 'Create your account'),
        h('p', { class: 'muted auth-sub' }, isSignIn
          ? 'Sign in to see your boards.'
          : 'Plan work together on live boards.'),
        form,
        h('p', { class: 'auth-switch' }, isSignIn ? 'New to TaskFlow? ' : 'Already have an account? ',
          h('a', { href: isSignIn ? '#/signup' : '#/signin',
            testid: isSignIn ? 'to-signup' : 'to-signin' },
          isSignIn ? 'Create an account' : 'Sign in')))));
  form.querySelector('input').focus();
  return { destroy() {} };
}
