/**
 * Inside a jupyter-nbctl notebook, its own JupyterLab warns its user before
 * culling stops it, where they work: a notification with Keep running, which
 * is use of the notebook (its idle time starts again at the controller's
 * next probe). Outside a notebook the server says so and this stays quiet.
 */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';

import { post, requestAPI } from './api';
import { clock } from './components/CullingNotice';
import { ICulling, ISelf } from './tokens';

export class InsideWatch {
  constructor(
    private readonly _trans: TranslationBundle,
    interval = 20000
  ) {
    this._poll = new Poll({
      factory: () => this._look(),
      frequency: { interval, backoff: true, max: 5 * 60000 },
      standby: 'when-hidden',
      name: 'nbctl:self'
    });
  }

  /** The notification shown now, if any. */
  get shown(): string | null {
    return this._shown;
  }

  dispose(): void {
    this._poll.dispose();
    this._dismiss();
  }

  private async _look(): Promise<void> {
    const self = await requestAPI<ISelf>('self');
    if (!self.inside) {
      this._poll.dispose(); // not a notebook: nothing will ever be said here
      return;
    }
    const culling = self.culling;
    if (culling?.state !== 'Warning') {
      this._dismiss();
      return;
    }
    const key = `${culling.reason} ${culling.stopAt}`;
    if (key === this._said) {
      return; // shown already, or dismissed by the user: not again for this stop
    }
    this._dismiss();
    this._said = key;
    this._shown = Notification.warning(this._text(culling), {
      autoClose: false,
      actions:
        culling.reason === 'IdleWarning'
          ? [
              {
                label: this._trans.__('Keep running'),
                caption: this._trans.__(
                  'Use this notebook now, so that it is not idle'
                ),
                callback: () => void this._keep()
              }
            ]
          : []
    });
  }

  private _text(culling: ICulling): string {
    return this._trans.__(
      'This notebook stops at %1. %2',
      clock(culling.stopAt),
      culling.message
    );
  }

  private async _keep(): Promise<void> {
    try {
      await post<ISelf>('self/keep-running');
      Notification.success(this._trans.__('This notebook keeps running.'), {
        autoClose: 4000
      });
    } catch (error) {
      Notification.error(
        error instanceof Error ? error.message : String(error),
        { autoClose: 10000 }
      );
    }
  }

  private _dismiss(): void {
    if (this._shown) {
      Notification.dismiss(this._shown);
      this._shown = null;
    }
  }

  private _poll: Poll;
  private _said = '';
  private _shown: string | null = null;
}
