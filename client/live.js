// The live socket of one board: connect, resume with `since`, reconnect with backoff.
// Knows nothing about the DOM or the board's contents: frames go to `onFrame`, and the caller
// says which `seq` to resume from through `getSince()`.

export const State = Object.freeze({
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline',
});

/** Why the socket stopped for good (no more reconnects). */
export const End = Object.freeze({
  UNAUTHORIZED: 'unauthorized', // 4401
  NOT_FOUND: 'not_found', // 4404
  DELETED: 'deleted', // 4410
});

const PING_EVERY_MS = 25_000;
const SILENCE_LIMIT_MS = 65_000; // no frame at all (not even pong) for this long: assume dead
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
const FAILURES_BEFORE_OFFLINE = 4;

export function boardSocketUrl(boardId, token, since) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ token });
  if (since != null) params.set('since', String(since));
  return `${scheme}//${location.host}/ws/boards/${boardId}?${params}`;
}

export class LiveBoard {
  /**
   * @param {object} o
   * @param {number} o.boardId
   * @param {() => string} o.getToken
   * @param {() => number|null} o.getSince  last applied seq, read at every (re)connect
   * @param {(frame: object) => void} o.onFrame
   * @param {(state: string, info: {attempt: number, retryInMs: number|null}) => void} o.onState
   * @param {(reason: string) => void} o.onEnd
   */
  constructor({ boardId, getToken, getSince, onFrame, onState, onEnd }) {
    Object.assign(this, { boardId, getToken, getSince, onFrame, onState, onEnd });
    this.ws = null;
    this.failures = 0;
    this.stopped = true;
    this.state = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.handleOnline = () => this.retryNow();
    this.handleOffline = () => this.dropAndWait();
    this.handleVisible = () => {
      if (document.visibilityState === 'visible' && this.state !== State.CONNECTED) this.retryNow();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.handleOnline);
    window.addEventListener('offline', this.handleOffline);
    document.addEventListener('visibilitychange', this.handleVisible);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.handleOnline);
    window.removeEventListener('offline', this.handleOffline);
    document.removeEventListener('visibilitychange', this.handleVisible);
    clearTimeout(this.retryTimer);
    this.detach(1000);
  }

  /** Send a JSON frame if connected; returns whether it was sent. */
  send(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drop the current socket and connect again with `since` (e.g. after a seq gap). */
  reconnect() {
    if (this.stopped) return;
    this.detach(4000);
    this.failures += 1; // a server that keeps producing gaps must not be hammered
    this.schedule(this.failures === 1 ? 0 : this.backoff());
  }

  /** Reconnect now, skipping the remaining backoff (user clicked "Retry", network came back). */
  retryNow() {
    if (this.stopped || this.state === State.CONNECTED) return;
    clearTimeout(this.retryTimer);
    this.detach(4000);
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.setState(State.OFFLINE, null);
      return; // the 'online' event resumes
    }
    if (this.state !== State.OFFLINE || this.failures === 0) this.setState(State.RECONNECTING, null);
    const ws = new WebSocket(boardSocketUrl(this.boardId, this.getToken(), this.getSince()));
    this.ws = ws;
    this.lastFrameAt = Date.now();
    ws.onmessage = (message) => {
      if (ws !== this.ws) return;
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return; // not ours to interpret
      }
      if (frame.type === 'hello') {
        this.failures = 0;
        this.setState(State.CONNECTED, null);
        this.startHeartbeat();
      }
      this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.stopHeartbeat();
      this.handleClose(event.code);
    };
  }

  handleClose(code) {
    if (this.stopped) return;
    switch (code) {
      case 4401:
        return this.end(End.UNAUTHORIZED);
      case 4404:
        return this.end(End.NOT_FOUND);
      case 4410:
        return this.end(End.DELETED);
      case 1012: // server restarting: another replica (or the same one, soon) takes us at once
        return this.schedule(0);
      default: // 4408 (too slow), 4429, 1006 (network), ...: resume with since after a pause
        this.failures += 1;
        return this.schedule(this.backoff());
    }
  }

  /** Exponential backoff with jitter, so a restarted server is not hit by every client at once. */
  backoff() {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  schedule(delayMs) {
    clearTimeout(this.retryTimer);
    const state =
      navigator.onLine === false || this.failures >= FAILURES_BEFORE_OFFLINE
        ? State.OFFLINE
        : State.RECONNECTING;
    this.setState(state, delayMs);
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  dropAndWait() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.detach(4000);
    this.setState(State.OFFLINE, null);
  }

  end(reason) {
    this.stop();
    this.setState(State.OFFLINE, null);
    this.onEnd(reason);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        // Half-open TCP: the browser may not notice for minutes. Treat as a drop.
        this.detach(4000);
        this.failures += 1;
        this.schedule(this.backoff());
        return;
      }
      this.send({ type: 'ping' });
    }, PING_EVERY_MS);
  }

  stopHeartbeat() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  /** Forget the current socket without reacting to its close event. */
  detach(code) {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(code);
      } catch {
        // closing an already-failing socket may throw; it is gone either way
      }
    }
  }

  setState(state, retryInMs) {
    this.state = state;
    this.onState(state, { attempt: this.failures, retryInMs });
  }
}
