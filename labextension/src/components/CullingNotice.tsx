import React from 'react';

import { useTrans } from '../i18n';
import { ICulling } from '../tokens';

/** Props of CullingNotice. */
export interface ICullingNoticeProps {
  culling: ICulling;
  /** The notebook's name, for the button's accessible name. */
  name: string;
  /** Postpone the stop; absent for a notebook that is not mine. */
  onKeepRunning?: () => void;
}

/** The hour and minute of an RFC 3339 time, in the user's own time zone. */
export function clock(stamp?: string): string {
  if (!stamp) {
    return '';
  }
  const when = new Date(stamp);
  return isNaN(when.getTime())
    ? stamp
    : when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * What culling has in store for a notebook, when it matters: a stop coming
 * (with Keep running, where the template allows it), activity that cannot be
 * read, or the stop it made. Nothing while the notebook is simply watched.
 */
export function CullingNotice({
  culling,
  name,
  onKeepRunning
}: ICullingNoticeProps): JSX.Element | null {
  const trans = useTrans();
  if (culling.state === 'Active') {
    return culling.keptUntil ? (
      <div className="jp-nbctl-culling" data-culling="Kept">
        {trans.__('Kept running until %1.', clock(culling.keptUntil))}
      </div>
    ) : null;
  }
  const idle = culling.reason === 'IdleWarning';
  return (
    <div
      className={`jp-nbctl-culling jp-nbctl-culling-${culling.state.toLowerCase()}`}
      data-culling={culling.state}
      role={culling.state === 'Warning' ? 'alert' : 'status'}
    >
      <span>
        {culling.state === 'Warning' ? (
          <strong>{trans.__('Stops at %1', clock(culling.stopAt))}</strong>
        ) : null}{' '}
        {culling.message}
      </span>
      {culling.state === 'Warning' && idle && culling.keepAlive && (
        <button
          className="jp-mod-styled jp-mod-accept jp-nbctl-keep"
          onClick={onKeepRunning}
          disabled={!onKeepRunning}
          aria-label={trans.__('Keep %1 running', name)}
          data-action="keep-running"
        >
          {trans.__('Keep running')}
        </button>
      )}
    </div>
  );
}
