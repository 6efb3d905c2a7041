import React from 'react';

import { Phase } from '../tokens';

/** Props of StatusBadge. */
export interface IStatusBadgeProps {
  /** The notebook's phase. */
  phase: Phase;
}

/** A notebook's phase as a coloured, labelled badge. */
export function StatusBadge({ phase }: IStatusBadgeProps): JSX.Element {
  return (
    <span
      className={`jp-nbctl-badge jp-nbctl-badge-${phase.toLowerCase()}`}
      aria-label={`Status: ${phase}`}
      data-phase={phase}
    >
      {phase}
    </span>
  );
}
