// One open board: loads the snapshot, keeps it current from the live socket, recovers from gaps
// and `resync`. No DOM: the view subscribes to the store and to `onState`/`onPresence`/`onEnd`.
import * as api from './api.js';
import { End, LiveBoard } from './live.js';
import { getToken } from './session.js';
import { BoardStore, memberId } from './store.js';

export class BoardSession {
  constructor({ boardId, me, onState, onPresence, onEnd }) {
    Object.assign(this, { boardId, me, onState, onPresence, onEnd });
    this.store = null;
    this.resyncing = false;
    this.buffered = [];
    this.ended = false;
  }

  /** Load the snapshot, then subscribe from its seq so nothing in between is missed. */
  async open() {
    this.store = new BoardStore(await api.getBoard(this.boardId));
    if (this.ended) return this.store; // the view went away while we were loading
    this.live = new LiveBoard({
      boardId: this.boardId,
      getToken,
      getSince: () => this.store.seq,
      onFrame: (frame) => this.handleFrame(frame),
      onState: (state, info) => this.onState(state, info),
      onEnd: (reason) => this.finish(reason),
    });
    this.live.start();
    return this.store;
  }

  close() {
    this.ended = true;
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
      default:
        break; // pong, ack, error: we write over REST
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
  }

  finish(reason, actor = null) {
    if (this.ended) return;
    this.close();
    this.onEnd(reason, actor);
  }
}
