// One open board: loads the snapshot, keeps it current from the live socket, recovers from gaps
// and `resync`. No DOM: the view subscribes to the store and to `onState`/`onPresence`/`onEnd`.
import * as api from './api.js';
import { End, LiveBoard, State } from './live.js';
import { rememberedUser } from './offline-user.js';
import { getToken, onSessionChange, renew } from './session.js';
import { loadSnapshot as keptSnapshot, saveSnapshot } from './snapshot-cache.js';
import { BoardStore, memberId } from './store.js';

let authRefs = 0;
let commandRefs = 0;
const RENEW_RETRY_MS = 3_000;
const COMMAND_TIMEOUT_MS = 10_000;
const SAVE_EVERY_MS = 1_000;

export class BoardSession {
  constructor({ boardId, me, onState, onPresence, onEnd }) {
    Object.assign(this, { boardId, me, onState, onPresence, onEnd });
    this.store = null;
    this.resyncing = false;
    this.buffered = [];
    this.ended = false;
    this.state = null; // the socket's: connected, reconnecting or offline (live.js)
    this.connected = false;
    this.helloSeq = null; // the board's seq when the socket subscribed: caught up at or past it
    this.waiting = new Map(); // command ref -> {resolve, reject, timer}
    this.caughtUpListeners = new Set();
  }

  /** `listener()` each time the socket is connected and the store has every event it missed. */
  onCaughtUp(listener) {
    this.caughtUpListeners.add(listener);
    return () => this.caughtUpListeners.delete(listener);
  }

  checkCaughtUp() {
    if (!this.connected || this.helloSeq === null || this.resyncing) return;
    if (this.store.seq < this.helloSeq) return;
    this.helloSeq = null; // once per connection
    for (const listener of [...this.caughtUpListeners]) listener();
  }

  /**
   * Send a command over the socket; resolves with its reply (`ack` or `error` frame), rejects
   * when it cannot be sent or the socket goes away first (the caller may send it again: same ref).
   */
  command(frame) {
    const ref = frame.ref ?? `cmd-${++commandRefs}`;
    return new Promise((resolve, reject) => {
      if (!this.connected || !this.live?.send({ ...frame, ref })) {
        reject(new Error('not connected'));
        return;
      }
      const timer = setTimeout(() => this.settleCommand(ref, null), COMMAND_TIMEOUT_MS);
      this.waiting.set(ref, { resolve, reject, timer });
    });
  }

  /** A reply settles its command; none (socket gone, too slow) rejects it. */
  settleCommand(ref, reply) {
    const waiter = this.waiting.get(ref);
    if (!waiter) return;
    this.waiting.delete(ref);
    clearTimeout(waiter.timer);
    if (reply) waiter.resolve(reply);
    else waiter.reject(new Error('no reply'));
  }

  liveState(state) {
    this.state = state;
    this.connected = state === 'connected';
    if (!this.connected) {
      this.helloSeq = null;
      for (const ref of [...this.waiting.keys()]) this.settleCommand(ref, null);
    }
  }

  /** Load the snapshot, then subscribe from its seq so nothing in between is missed. */
  async open() {
    this.store = new BoardStore(await this.loadSnapshot());
    this.keepSnapshots();
    if (this.ended) return this.store; // the view went away while we were loading
    this.startLive();
    // A fresh token (from whichever tab refreshed) goes to the server in band: the socket's
    // expiry moves with it, with no reconnect and no missed event.
    this.stopWatching = onSessionChange((kind) => {
      if (kind === 'token' && getToken()) {
        this.live?.send({ type: 'auth', ref: `auth-${++authRefs}`, token: getToken() });
      }
    });
    return this.store;
  }

  startLive() {
    this.live = new LiveBoard({
      boardId: this.boardId,
      getToken,
      getSince: () => this.store.seq,
      onFrame: (frame) => this.handleFrame(frame),
      onState: (state, info) => {
        this.liveState(state);
        this.onState(state, info);
      },
      onEnd: (reason) => this.liveEnded(reason),
    });
    this.live.start();
  }

  /** A 4401 may only mean the token ran out (a tab asleep): one refresh, then resume `since`. */
  async liveEnded(reason) {
    if (reason === End.UNAUTHORIZED && !this.ended) {
      const renewed = await renew();
      if (this.ended) return;
      if (renewed === true) return this.startLive();
      if (renewed === null) { // the server could not be asked: not a reason to sign out
        this.onState('reconnecting', { attempt: 1, retryInMs: RENEW_RETRY_MS });
        setTimeout(() => this.liveEnded(reason), RENEW_RETRY_MS);
        return;
      }
    }
    this.finish(reason);
  }

  close() {
    this.ended = true;
    this.stopWatching?.();
    this.live?.stop();
  }

  retryNow() {
    this.live?.retryNow();
  }

  handleFrame(frame) {
    switch (frame.type) {
      case 'hello':
        this.onPresence(frame.presence || []);
        // The board is behind what we have (e.g. restored from a backup): our seq means nothing.
        if (typeof frame.seq === 'number' && frame.seq < this.store.seq) this.resync();
        else if (typeof frame.seq === 'number') {
          this.helloSeq = frame.seq;
          this.checkCaughtUp();
        }
        break;
      case 'presence':
        this.onPresence(frame.users || []);
        break;
      case 'event':
        if (this.resyncing) this.buffered.push(frame);
        else this.apply(frame);
        break;
      case 'resync':
        this.resync();
        break;
      case 'ack':
      case 'error':
        if (frame.ref != null) this.settleCommand(frame.ref, frame);
        break;
      default:
        break; // pong
    }
  }

  apply(frame) {
    if (frame.name === 'board.deleted') {
      this.finish('deleted', frame.actor);
      return;
    }
    const result = this.store.applyEvent(frame);
    if (result === 'gap') {
      this.live.reconnect(); // resumes with since = last applied seq
      return;
    }
    this.checkCaughtUp();
    if (result === 'applied' && frame.name === 'member.removed' &&
        memberId(frame.data) === this.me?.id) {
      this.finish('removed', frame.actor);
    }
  }

  /** The server could not replay what we missed: reload the snapshot, then continue live. */
  async resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    try {
      const snapshot = await api.getBoard(this.boardId);
      if (this.ended) return;
      this.store.load(snapshot);
    } catch (error) {
      if (error.status === 404) return this.finish(End.NOT_FOUND);
      this.live.reconnect(); // the server will answer `resync` again and we retry
      return;
    } finally {
      this.resyncing = false;
    }
    const pending = this.buffered.sort((a, b) => a.seq - b.seq);
    this.buffered = [];
    for (const frame of pending) this.apply(frame);
    // The snapshot holds everything up to its seq: nothing older is left to wait for.
    if (this.connected) {
      this.helloSeq = Math.min(this.helloSeq ?? this.store.seq, this.store.seq);
      this.checkCaughtUp();
    }
  }

  finish(reason, actor = null) {
    if (this.ended) return;
    this.close();
    this.onEnd(reason, actor);
  }

  /** The board from the server; without a network (or before a tab opened offline has its
   * session) the copy kept in this browser, and then `fromCache` says as of when. */
  async loadSnapshot() {
    this.fromCache = null;
    try {
      return await api.getBoard(this.boardId);
    } catch (error) {
      if (error.status !== 0 && getToken()) throw error;
      const kept = await keptSnapshot(this.me?.id, this.boardId).catch(() => null);
      if (!kept) throw error;
      this.fromCache = { savedAt: kept.savedAt };
      return kept.snapshot;
    }
  }

  /** Keep the confirmed board for opening offline: at once, then at most once a second while it
   * changes.
   * A copy shown from the cache is not saved again (its date would lie) until the socket is
   * live: then it is the server's state again (replayed `since`, or reloaded on `resync`). */
  keepSnapshots() {
    const onState = this.onState;
    this.onState = (state, info) => {
      if (state === State.CONNECTED && this.fromCache) {
        this.fromCache = null;
        this.saveSoon();
      }
      onState(state, info);
    };
    this.store.subscribe(() => this.saveSoon());
    this.saveSoon();
  }

  saveSoon() {
    if (this.fromCache || this.saveTimer) return;
    // The first save at once (a board opened and left quickly is kept too), then at most one a
    // second.
    const wait = Math.max(0, (this.savedAt ?? -Infinity) + SAVE_EVERY_MS - Date.now());
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.savedAt = Date.now();
      // Only for the user this browser remembers: never after a sign-out forgot them.
      if (this.me?.id == null || rememberedUser()?.id !== this.me.id) return;
      saveSnapshot(this.me.id, this.boardId, this.store.toSnapshot()).catch(() => {});
    }, wait);
  }
}
