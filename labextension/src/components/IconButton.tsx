import { LabIcon } from '@jupyterlab/ui-components';
import React from 'react';

/** Props of IconButton. */
export interface IIconButtonProps {
  icon: LabIcon;
  /** The accessible name, such as "Stop lab". */
  label: string;
  /** What the button does and what it costs, shown on hover. */
  tooltip: string;
  /** The `data-action` hook the panel and its tests find the button by. */
  action: string;
  onClick?: (event: React.MouseEvent<HTMLButtonElement>) => void;
  disabled?: boolean;
  /** Shown beside the icon (a transition such as "Stopping…"). */
  text?: string;
}

/** A row's frequent action as JupyterLab's toolbars draw one: an icon, a tooltip. */
export function IconButton({
  icon,
  label,
  tooltip,
  action,
  onClick,
  disabled,
  text
}: IIconButtonProps): JSX.Element {
  return (
    <button
      type="button"
      className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button jp-nbctl-icon-button"
      aria-label={label}
      title={tooltip}
      data-action={action}
      disabled={disabled}
      onClick={onClick}
    >
      <icon.react tag="span" className="jp-ToolbarButtonComponent-icon" />
      {text && <span className="jp-ToolbarButtonComponent-label">{text}</span>}
    </button>
  );
}
