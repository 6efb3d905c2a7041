/**
 * The panel's state: who I am, the template catalog and my notebooks,
 * refreshed by a Poll that rests while the panel is hidden. Actions report
 * their outcome through JupyterLab's Notification API, with the server's
 * message.
 */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { post, requestAPI } from './api';
import {
  IEvent,
  IIdentity,
  ILaunchRequest,
  ILogs,
  INotebook,
  IResizeRequest,
  ITemplate,
  IUpdateView,
  IWorkspace
} from './tokens';

export class NotebooksModel {
  constructor(private readonly _trans: TranslationBundle) {
    this._poll = new Poll({
      factory: () => this._refresh(),
      frequency: { interval: 3000, backoff: true, max: 30000 },
      standby: 'when-hidden',
      name: 'nbctl:notebooks'
    });
  }

  /** Emitted whenever anything the panel shows changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get identity(): IIdentity | null {
    return this._identity;
  }

  get templates(): ITemplate[] {
    return this._templates;
  }

  get notebooks(): INotebook[] {
    return this._notebooks;
  }

  /** My workspaces, kept ones first. */
  get workspaces(): IWorkspace[] {
    return this._workspaces;
  }

  /** My workspaces kept from deleted notebooks: to reattach or delete. */
  get kept(): IWorkspace[] {
    return this._workspaces.filter(w => !w.inUse);
  }

  /** Why the last refresh failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  /** Seconds between refreshes while the panel is shown (the pollInterval setting). */
  set interval(seconds: number) {
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: seconds * 1000,
      max: Math.max(30000, seconds * 1000)
    };
  }

  /** Whether a launch or Start is told when ready or failed (the notifyReady setting). */
  notifyReady = true;

  /** Poll now (after an action, or when the panel is shown). */
  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  /** What Open in a "ready" notification does (the panel sets it). */
  opener: ((notebook: INotebook) => void) | null = null;

  async launch(request: ILaunchRequest): Promise<INotebook> {
    const made = await this._act(
      post<INotebook>('notebooks', request),
      this._trans.__(
        '%1 was accepted: you are told when it is ready',
        request.name
      ),
      'info'
    );
    this._awaited.add(request.name);
    // Listed at once, so that focus can move to it before the next poll.
    if (!this._notebooks.some(nb => nb.name === made.name)) {
      this._notebooks = [...this._notebooks, made];
      this._changed.emit();
    }
    return made;
  }

  stop(name: string): Promise<INotebook> {
    this._awaited.delete(name);
    return this._act(
      post(`notebooks/${name}/stop`),
      this._trans.__('%1 is stopping', name)
    );
  }

  async start(name: string): Promise<INotebook> {
    const started = await this._act(
      post<INotebook>(`notebooks/${name}/start`),
      this._trans.__('%1 is starting: you are told when it is ready', name),
      'info'
    );
    this._awaited.add(name);
    return started;
  }

  resize(name: string, request: IResizeRequest): Promise<INotebook> {
    return this._act(
      post(`notebooks/${name}/resize`, request),
      request.resources
        ? this._trans.__('%1 restarts with its new resources', name)
        : this._trans.__(
            'The workspace of %1 grows to %2',
            name,
            request.workspace?.size ?? ''
          )
    );
  }

  /** Postpone an idle stop, as far as the notebook's template allows. */
  keepRunning(name: string): Promise<INotebook> {
    return this._act(
      post<INotebook>(`notebooks/${name}/keep-running`),
      this._trans.__('%1 keeps running', name)
    );
  }

  update(name: string): Promise<INotebook> {
    return this._act(
      post(`notebooks/${name}/update`),
      this._trans.__('%1 restarts on its template’s newest revision', name)
    );
  }

  /** Delete a notebook; its workspace is kept unless `withWorkspace`. */
  remove(name: string, withWorkspace = false): Promise<void> {
    return this._act(
      requestAPI<void>(
        `notebooks/${name}?workspace=${withWorkspace ? 'delete' : 'keep'}`,
        { method: 'DELETE' }
      ),
      withWorkspace
        ? this._trans.__('%1 and its workspace were deleted', name)
        : this._trans.__('%1 was deleted; its workspace is kept', name)
    );
  }

  /** Delete a kept workspace and the files in it. */
  removeWorkspace(name: string): Promise<void> {
    return this._act(
      requestAPI<void>(`workspace-claims/${name}`, { method: 'DELETE' }),
      this._trans.__('Workspace %1 was deleted', name)
    );
  }

  /**
   * The notebook's address with a one-use ticket: its guard lets only the
   * owner in, and trades the ticket for a session cookie.
   */
  async openURL(name: string): Promise<string> {
    try {
      return (await post<{ url: string }>(`notebooks/${name}/open`)).url;
    } catch (error) {
      Notification.error(
        error instanceof Error ? error.message : String(error),
        { autoClose: 10000 }
      );
      throw error;
    }
  }

  /** One notebook, fresh from the server. */
  notebook(name: string): Promise<INotebook> {
    return requestAPI(`notebooks/${name}`);
  }

  /** What Update would change, and whether it restarts the notebook. */
  updatePreview(name: string): Promise<IUpdateView> {
    return requestAPI(`notebooks/${name}/update`);
  }

  events(name: string): Promise<{ items: IEvent[] }> {
    return requestAPI(`notebooks/${name}/events`);
  }

  logs(name: string): Promise<ILogs> {
    return requestAPI(`notebooks/${name}/logs`);
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _act<T>(
    work: Promise<T>,
    success: string,
    kind: 'success' | 'info' = 'success'
  ): Promise<T> {
    // The outcome is what the user needs; a pending toast would race with
    // fast answers (the toast may render after the update it missed).
    try {
      const result = await work;
      Notification[kind](success, { autoClose: 4000 });
      return result;
    } catch (error) {
      Notification.error(
        error instanceof Error ? error.message : String(error),
        { autoClose: 10000 }
      );
      throw error;
    } finally {
      void this.refresh();
    }
  }

  private async _refresh(): Promise<void> {
    try {
      const [identity, templates, notebooks, workspaces] = await Promise.all([
        this._identity
          ? Promise.resolve(this._identity)
          : requestAPI<IIdentity>('whoami'),
        requestAPI<{ items: ITemplate[] }>('templates'),
        requestAPI<{ items: INotebook[] }>('notebooks'),
        requestAPI<{ items: IWorkspace[] }>('workspace-claims')
      ]);
      this._identity = identity;
      this._templates = templates.items;
      this._notebooks = notebooks.items;
      this._workspaces = workspaces.items;
      this._tellArrivals();
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
      throw error; // the Poll backs off
    } finally {
      this._loaded = true;
      this._changed.emit();
    }
  }

  /** A notebook launched or started here that became ready, or failed: say so once. */
  private _tellArrivals(): void {
    for (const name of [...this._awaited]) {
      const nb = this._notebooks.find(n => n.name === name);
      if (!nb || nb.stopped || !this.notifyReady) {
        this._awaited.delete(name);
      } else if (nb.phase === 'Running' && nb.ready) {
        this._awaited.delete(name);
        Notification.success(this._trans.__('%1 is ready', name), {
          autoClose: 10000,
          actions: this.opener
            ? [
                {
                  label: this._trans.__('Open'),
                  callback: () => this.opener?.(nb)
                }
              ]
            : []
        });
      } else if (nb.phase === 'Failed') {
        this._awaited.delete(name);
        Notification.error(
          this._trans.__('%1 cannot start: %2', name, nb.message || nb.reason),
          {
            autoClose: false
          }
        );
      }
    }
  }

  private _awaited = new Set<string>();
  private _poll: Poll;
  private _changed = new Signal<this, void>(this);
  private _identity: IIdentity | null = null;
  private _templates: ITemplate[] = [];
  private _notebooks: INotebook[] = [];
  private _workspaces: IWorkspace[] = [];
  private _error: string | null = null;
  private _loaded = false;
}
