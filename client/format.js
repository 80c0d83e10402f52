// Dates as people read them. `due_date` is a date-time with offset; the UI edits it as a day.

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayYearFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', year: 'numeric',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const pad = (n) => String(n).padStart(2, '0');

/** "2030-01-15" for <input type="date"> from an ISO date-time, in local time. */
export function toDateInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * ISO date-time with the local offset for a picked day. Noon rather than midnight keeps the same
 * calendar day for teammates up to 12 hours east or west.
 */
export function fromDateInput(value) {
  if (!value) return null;
  const [y, m, d] = value.split('-').map(Number);
  const local = new Date(y, m - 1, d, 12, 0, 0);
  const offset = -local.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${value}T12:00:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Same calendar day in local time? (Compares what the date inputs would show.) */
export const sameDay = (a, b) => toDateInput(a) === toDateInput(b);

export function formatDay(iso) {
  const d = new Date(iso);
  return d.getFullYear() === new Date().getFullYear() ? dayFormat.format(d) : dayYearFormat.format(d);
}

export const formatFull = (iso) => fullFormat.format(new Date(iso));

/** 'overdue' | 'today' | 'soon' (within 2 days) | 'later' */
export function dueState(iso, now = new Date()) {
  const due = toDateInput(iso);
  const today = toDateInput(now.toISOString());
  if (due < today) return 'overdue';
  if (due === today) return 'today';
  const soon = new Date(now);
  soon.setDate(soon.getDate() + 2);
  return due <= toDateInput(soon.toISOString()) ? 'soon' : 'later';
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function timeAgo(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 86400 * 7) return relative.format(Math.round(seconds / 86400), 'day');
  return formatDay(iso);
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** "14:32" for a moment of today, "Dec 5, 14:32" for an earlier day (local time). */
export function formatAsOf(ms, now = Date.now()) {
  const at = new Date(ms);
  const time = clockFormat.format(at);
  return at.toDateString() === new Date(now).toDateString()
    ? time : `${formatDay(at.toISOString())}, ${time}`;
}
