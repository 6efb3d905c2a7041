/**
 * What the panel shows besides the cluster's state: the filter, the form
 * that is open, and where focus goes next. One object, shared by the
 * sidebar's sections and the row menu's commands.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ITemplate } from './tokens';

export class PanelState {
  /** Emitted whenever anything below changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** What the filter box holds, lower-cased and trimmed. */
  get filter(): string {
    return this._filter;
  }
  set filter(value: string) {
    value = value.trim().toLowerCase();
    if (value !== this._filter) {
      this._filter = value;
      this._changed.emit();
    }
  }

  /** The template whose launch form is open, or null. */
  get launching(): ITemplate | null {
    return this._launching;
  }
  set launching(value: ITemplate | null) {
    if (value !== this._launching) {
      this._launching = value;
      this._changed.emit();
    }
  }

  /** A kept workspace whose Reattach was pressed: the next template picked reattaches it. */
  get reattach(): string | null {
    return this._reattach;
  }
  set reattach(value: string | null) {
    if (value !== this._reattach) {
      this._reattach = value;
      this._changed.emit();
    }
  }

  /** The notebook whose resize form is open, or null. */
  get resizing(): string | null {
    return this._resizing;
  }
  set resizing(value: string | null) {
    if (value !== this._resizing) {
      this._resizing = value;
      this._changed.emit();
    }
  }

  /** Whether `text` (a name, a template, a description) passes the filter. */
  matches(...texts: (string | undefined)[]): boolean {
    return (
      !this._filter ||
      texts.some(t => t !== undefined && t.toLowerCase().includes(this._filter))
    );
  }

  /**
   * Focus `selector` within `root` once it is rendered: focus goes back to
   * where an action started (a card, a row's menu button), even when React
   * has rendered that element anew.
   */
  focusSoon(root: HTMLElement, selector: string): void {
    let frames = 0;
    const attempt = () => {
      const target = root.querySelector<HTMLElement>(selector);
      if (target && target.offsetParent !== null) {
        target.focus();
      } else if (++frames < 30) {
        requestAnimationFrame(attempt);
      }
    };
    requestAnimationFrame(attempt);
  }

  private _filter = '';
  private _launching: ITemplate | null = null;
  private _reattach: string | null = null;
  private _resizing: string | null = null;
  private _changed = new Signal<this, void>(this);
}
