import { ApiError, api, errorMessage, NetworkError } from '../api/client.ts';
import type { JsonNode, Notebook } from '../api/types.ts';

/** What the header says about the notebook's changes. */
export type SaveStatus =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'retrying'; message: string }
  | { kind: 'conflict' }
  | { kind: 'error'; message: string };

/** The fields a save sends, read from the editor when the save starts. */
export interface SaveSnapshot {
  content: JsonNode;
  text_content: string;
  title: string | null;
}

export interface NotebookSaverOptions {
  /** The notebook's API path (/api/projects/:id/notebooks/:short_id/). */
  path: string;
  version: number;
  snapshot: () => SaveSnapshot;
  onStatus: (status: SaveStatus) => void;
  onSaved?: (notebook: Notebook) => void;
  /** Quiet time after the last edit before saving. */
  delayMs?: number;
}

const MAX_RETRY_DELAY_MS = 15_000;
/** Browsers refuse keepalive bodies above 64 KiB in flight. */
const KEEPALIVE_LIMIT = 60_000;

/**
 * Saves a notebook's edits in the background: a PATCH with the held version about a second after
 * the last edit, one at a time (edits made during a save are saved right after it, with the new
 * version), retried with backoff while the network or server is down, stopped by a conflict.
 * The editor stays the source of truth: a save reads it when it starts and never blocks typing.
 */
export class NotebookSaver {
  readonly #options: NotebookSaverOptions;
  #version: number;
  #changes = 0;
  #savedChanges = 0;
  #inFlight = false;
  #again = false;
  #conflict = false;
  #stopped = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #status: SaveStatus = { kind: 'saved' };

  constructor(options: NotebookSaverOptions) {
    this.#options = options;
    this.#version = options.version;
    window.addEventListener('online', this.#onOnline);
  }

  get version(): number {
    return this.#version;
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /** Edits not yet stored (pending, in flight, failed or in conflict). */
  get dirty(): boolean {
    return this.#changes !== this.#savedChanges;
  }

  get inConflict(): boolean {
    return this.#conflict;
  }

  /** The editor changed: save after the quiet time. */
  changed(): void {
    if (this.#stopped) return;
    this.#changes += 1;
    if (this.#conflict) return;
    if (this.#status.kind === 'saved') this.#setStatus({ kind: 'pending' });
    if (this.#status.kind !== 'retrying') this.#schedule(this.#options.delayMs ?? 1000);
  }

  /** Saves now (Ctrl/Cmd+S, leaving the page); resolves when this save (and any chained one) ends. */
  async saveNow(): Promise<void> {
    this.#clearTimer();
    if (this.#stopped || this.#conflict) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    if (!this.dirty) {
      this.#setStatus({ kind: 'saved' });
      return;
    }
    this.#inFlight = true;
    const changes = this.#changes;
    const snapshot = this.#options.snapshot();
    this.#setStatus({ kind: 'saving' });
    try {
      const notebook = await api<Notebook>(this.#options.path, {
        method: 'PATCH',
        body: {
          version: this.#version,
          content: snapshot.content,
          text_content: snapshot.text_content,
          title: snapshot.title,
        },
      });
      this.#version = notebook.version;
      this.#savedChanges = changes;
      this.#attempt = 0;
      this.#options.onSaved?.(notebook);
      if (this.dirty) {
        this.#setStatus({ kind: 'pending' });
        if (!this.#again) this.#schedule(this.#options.delayMs ?? 1000);
      } else {
        this.#setStatus({ kind: 'saved' });
      }
    } catch (error) {
      this.#again = false;
      this.#failed(error);
    } finally {
      this.#inFlight = false;
    }
    if (this.#again) {
      this.#again = false;
      await this.saveNow();
    }
  }

  /**
   * Sends the unsaved edits while the page goes away (pagehide, hidden tab): a keepalive request
   * the browser finishes after the page is gone. Its answer is read if the page is still there.
   */
  flushOnLeave(): void {
    if (this.#stopped || this.#conflict || !this.dirty || this.#inFlight) return;
    const snapshot = this.#options.snapshot();
    const body = {
      version: this.#version,
      content: snapshot.content,
      text_content: snapshot.text_content,
      title: snapshot.title,
    };
    if (JSON.stringify(body).length > KEEPALIVE_LIMIT) {
      void this.saveNow();
      return;
    }
    this.#clearTimer();
    this.#inFlight = true;
    const changes = this.#changes;
    this.#setStatus({ kind: 'saving' });
    api<Notebook>(this.#options.path, { method: 'PATCH', body, keepalive: true })
      .then((notebook) => {
        this.#version = notebook.version;
        this.#savedChanges = changes;
        this.#options.onSaved?.(notebook);
        this.#setStatus(this.dirty ? { kind: 'pending' } : { kind: 'saved' });
        if (this.dirty) this.#schedule(this.#options.delayMs ?? 1000);
      })
      .catch((error: unknown) => this.#failed(error))
      .finally(() => {
        this.#inFlight = false;
      });
  }

  /** "Keep mine": save the editor's content over the version stored now. */
  async keepMine(): Promise<void> {
    const current = await api<Notebook>(this.#options.path);
    this.#version = current.version;
    this.#conflict = false;
    if (!this.dirty) this.#changes += 1;
    await this.saveNow();
  }

  /** "Load their version": the editor now holds the stored notebook, nothing is unsaved. */
  loadedTheirs(notebook: Notebook): void {
    this.#version = notebook.version;
    this.#conflict = false;
    this.#savedChanges = this.#changes;
    this.#setStatus({ kind: 'saved' });
  }

  /** No more saves (the notebook was deleted, or the page is gone). */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
    window.removeEventListener('online', this.#onOnline);
  }

  #failed(error: unknown): void {
    if (error instanceof ApiError && error.status === 409) {
      this.#conflict = true;
      this.#setStatus({ kind: 'conflict' });
      return;
    }
    const transient =
      error instanceof NetworkError ||
      (error instanceof ApiError && (error.status >= 500 || error.status === 429 || error.status === 408));
    if (transient) {
      this.#attempt += 1;
      const delay = Math.min(1000 * 2 ** (this.#attempt - 1), MAX_RETRY_DELAY_MS);
      this.#setStatus({ kind: 'retrying', message: errorMessage(error) });
      this.#schedule(delay);
      return;
    }
    const message =
      error instanceof ApiError && error.status === 404
        ? 'the notebook was deleted or is no longer in this project. Your text is still here.'
        : errorMessage(error);
    this.#setStatus({ kind: 'error', message });
  }

  #onOnline = (): void => {
    if (this.#status.kind === 'retrying') void this.saveNow();
  };

  #schedule(ms: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => void this.saveNow(), ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setStatus(status: SaveStatus): void {
    this.#status = status;
    this.#options.onStatus(status);
  }
}
