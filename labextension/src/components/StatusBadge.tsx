import React from 'react';

import { useTrans } from '../i18n';
import { Phase } from '../tokens';

/** Props of StatusBadge. */
export interface IStatusBadgeProps {
  /** The notebook's phase. */
  phase: Phase;
}

/** A notebook's phase as a coloured, labelled badge. */
export function StatusBadge({ phase }: IStatusBadgeProps): JSX.Element {
  const trans = useTrans();
  const words: Record<Phase, string> = {
    Pending: trans.__('Pending'),
    Starting: trans.__('Starting'),
    Running: trans.__('Running'),
    Stopping: trans.__('Stopping'),
    Stopped: trans.__('Stopped'),
    Failed: trans.__('Failed'),
    Unknown: trans.__('Unknown')
  };
  return (
    <span
      className={`jp-nbctl-badge jp-nbctl-badge-${phase.toLowerCase()}`}
      aria-label={trans.__('Status: %1', words[phase])}
      data-phase={phase}
    >
      {words[phase]}
    </span>
  );
}
