// REST calls. One place knows the URL scheme, the auth header and how errors look.
import { getToken, renew } from './session.js';

export class ApiError extends Error {
  constructor(status, detail) {
    super(describeDetail(status, detail));
    this.status = status;
    this.detail = detail;
  }
}

/** Human text for FastAPI's `{"detail": ...}`: a string, a validation list or an object. */
function describeDetail(status, detail) {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const field = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body').join('.') : '';
        return field ? `${field}: ${d.msg}` : d.msg;
      })
      .join('; ');
  }
  if (status === 0) return 'Network error: the server cannot be reached';
  return `Request failed (${status})`;
}

let unauthorizedHandler = () => {};
/** Called on every 401 of an authenticated call (expired or revoked token). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function request(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    // An access token that expired or whose tab slept: one refresh, one retry.
    if (error.status !== 401 || options.auth === false || options.retried || !getToken()) {
      throw error;
    }
    const renewed = await renew();
    if (renewed !== true) {
      if (renewed === false) unauthorizedHandler(); // the session has ended
      throw error;
    }
    return send(method, path, { ...options, retried: true });
  }
}

async function send(method, path, { json, form, headers = {}, auth = true, retried = false } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = new URLSearchParams(form);
  }
  const token = getToken();
  if (auth && token) init.headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && auth && retried) unauthorizedHandler();
    throw new ApiError(response.status, body?.detail ?? null);
  }
  return body;
}

const ifMatch = (version) => (version == null ? {} : { 'If-Match': `"${version}"` });

// Accounts
export const signUp = (user) => request('POST', '/api/users', { json: user, auth: false });
export const createToken = (username, password) =>
  request('POST', '/api/auth/token', { form: { username, password }, auth: false });
export const getMe = () => request('GET', '/api/users/me');
export const logout = () => send('POST', '/api/auth/logout');
export const logoutAll = () => request('POST', '/api/auth/logout-all');
export const listSessions = () => request('GET', '/api/auth/sessions');
export const revokeSession = (id) => request('DELETE', `/api/auth/sessions/${id}`);

// Boards
export const listBoards = () => request('GET', '/api/boards');
export const createBoard = (name) => request('POST', '/api/boards', { json: { name } });
export const getBoard = (id) => request('GET', `/api/boards/${id}`);
export const renameBoard = (id, name) => request('PATCH', `/api/boards/${id}`, { json: { name } });
export const deleteBoard = (id) => request('DELETE', `/api/boards/${id}`);

// Members
export const addMember = (boardId, username, role) =>
  request('POST', `/api/boards/${boardId}/members`, { json: { username, role } });
export const removeMember = (boardId, userId) =>
  request('DELETE', `/api/boards/${boardId}/members/${userId}`);

// Columns
export const createColumn = (boardId, name) =>
  request('POST', `/api/boards/${boardId}/columns`, { json: { name } });
export const updateColumn = (id, body) => request('PATCH', `/api/columns/${id}`, { json: body });
export const deleteColumn = (id) => request('DELETE', `/api/columns/${id}`);

// Tasks
/** `key`: an Idempotency-Key, so a retry of a create whose answer was lost creates nothing more. */
export const createTask = (boardId, body, key = null) =>
  request('POST', `/api/boards/${boardId}/tasks`,
    { json: body, headers: key ? { 'Idempotency-Key': key } : {} });
export const updateTask = (id, body, version) =>
  request('PATCH', `/api/tasks/${id}`, { json: body, headers: ifMatch(version) });
export const deleteTask = (id, version) =>
  request('DELETE', `/api/tasks/${id}`, { headers: ifMatch(version) });
export const restoreTask = (id) => request('POST', `/api/tasks/${id}/restore`);
export const restoreColumn = (id) => request('POST', `/api/columns/${id}/restore`);

// Labels
export const createLabel = (boardId, body) =>
  request('POST', `/api/boards/${boardId}/labels`, { json: body });
export const updateLabel = (id, body) => request('PATCH', `/api/labels/${id}`, { json: body });
export const deleteLabel = (id) => request('DELETE', `/api/labels/${id}`);

// Comments
export const listComments = (taskId) => request('GET', `/api/tasks/${taskId}/comments`);
export const createComment = (taskId, body) =>
  request('POST', `/api/tasks/${taskId}/comments`, { json: { body } });
export const updateComment = (id, body) =>
  request('PATCH', `/api/comments/${id}`, { json: { body } });
export const deleteComment = (id) => request('DELETE', `/api/comments/${id}`);
export const restoreComment = (id) => request('POST', `/api/comments/${id}/restore`);

// Checklists
export const listChecklist = (taskId) => request('GET', `/api/tasks/${taskId}/checklist`);
export const createChecklistItem = (taskId, body) =>
  request('POST', `/api/tasks/${taskId}/checklist`, { json: body });
export const updateChecklistItem = (id, body) =>
  request('PATCH', `/api/checklist/${id}`, { json: body });
export const deleteChecklistItem = (id) => request('DELETE', `/api/checklist/${id}`);

// Trash
export const listTrash = (boardId) => request('GET', `/api/boards/${boardId}/trash`);
export const listDeletedBoards = () => request('GET', '/api/trash/boards');
export const restoreBoard = (id) => request('POST', `/api/boards/${id}/restore`);

// Activity
export function getActivity(boardId, { limit = 50, before = null } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before) params.set('before', before);
  return request('GET', `/api/boards/${boardId}/activity?${params}`);
}
