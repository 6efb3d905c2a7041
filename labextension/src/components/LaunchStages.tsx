import React from 'react';

import { useTrans } from '../i18n';
import { INotebook } from '../tokens';

/** The steps from Launch (or Start) to a notebook that answers. */
export type Stage = 'accepted' | 'scheduled' | 'starting' | 'ready';

const ORDER: Stage[] = ['accepted', 'scheduled', 'starting', 'ready'];

/** Reasons of the controller's Ready condition that stop a start, and what fixes each. */
const BLOCKED: Record<string, 'resize' | 'template' | undefined> = {
  Unschedulable: 'resize',
  ImagePullBackOff: 'template',
  CrashLoopBackOff: 'template',
  CreateContainerConfigError: 'template'
};

/**
 * Where a starting notebook is, from its status: the stage reached, and the
 * one it is stuck at (with the fix), or null once it runs or rests.
 */
export function launchStage(
  nb: INotebook
): { at: Stage; blocked?: 'resize' | 'template' } | null {
  if (nb.stopped || (nb.phase === 'Running' && nb.ready)) {
    return null;
  }
  if (nb.reason in BLOCKED) {
    return {
      at: nb.reason === 'Unschedulable' ? 'accepted' : 'scheduled',
      blocked: BLOCKED[nb.reason]
    };
  }
  switch (nb.reason) {
    case '':
    case 'PodNotCreated':
    case 'PodPending':
      return nb.phase === 'Failed' ? null : { at: 'accepted' };
    case 'PodStarting':
    case 'PodTerminating':
      return { at: 'scheduled' };
    default:
      return nb.phase === 'Running' || nb.phase === 'Starting'
        ? { at: 'starting' }
        : null;
  }
}

/** Props of LaunchStages. */
export interface ILaunchStagesProps {
  notebook: INotebook;
  /** Open the row's resize form: the fix for "no node has room". */
  onResize?: () => void;
}

/**
 * A starting notebook's progress as steps (accepted, scheduled, starting,
 * ready), and, where it is stuck, why in the controller's words with the
 * action that fixes it.
 */
export function LaunchStages({
  notebook,
  onResize
}: ILaunchStagesProps): JSX.Element | null {
  const trans = useTrans();
  const stage = launchStage(notebook);
  if (!stage) {
    return null;
  }
  const names: Record<Stage, string> = {
    accepted: trans.__('Accepted'),
    scheduled: trans.__('Scheduled'),
    starting: trans.__('Starting'),
    ready: trans.__('Ready')
  };
  const reached = ORDER.indexOf(stage.at);
  return (
    <div
      className="jp-nbctl-stages"
      data-stage={stage.at}
      data-blocked={stage.blocked ?? undefined}
    >
      <ol aria-label={trans.__('Progress of %1', notebook.name)}>
        {ORDER.map((s, i) => {
          const state =
            i <= reached
              ? 'done'
              : i === reached + 1
                ? stage.blocked
                  ? 'blocked'
                  : 'current'
                : 'todo';
          return (
            <li
              key={s}
              className={`jp-nbctl-stage jp-mod-${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              {names[s]}
            </li>
          );
        })}
      </ol>
      {stage.blocked && (
        <p className="jp-nbctl-blocked" role="status">
          {notebook.message}{' '}
          {stage.blocked === 'resize' && onResize && notebook.mine && (
            <button
              type="button"
              className="jp-nbctl-button"
              onClick={onResize}
              aria-label={trans.__('Resize %1', notebook.name)}
            >
              {trans.__('Resize')}
            </button>
          )}
          {stage.blocked === 'template' &&
            trans.__(
              'Ask the operators of its template; Stop and Delete still work.'
            )}
        </p>
      )}
    </div>
  );
}
