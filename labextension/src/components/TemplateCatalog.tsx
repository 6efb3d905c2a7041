import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { useTrans } from '../i18n';
import { IBounds, ITemplate } from '../tokens';

/** Props of TemplateCatalog. */
export interface ITemplateCatalogProps {
  /** The templates the user may launch (already filtered). */
  templates: ITemplate[];
  /** Called with the template the user picked. */
  onPick: (template: ITemplate) => void;
  /** Whether a filter hid every template (the empty text says so). */
  filtered?: boolean;
}

/**
 * A card per template: its icon, name and description, and what a launch
 * gets: CPU, memory and GPUs with their bounds, the workspace, the
 * configurations offered.
 */
export function TemplateCatalog({
  templates,
  onPick,
  filtered = false
}: ITemplateCatalogProps): JSX.Element {
  const trans = useTrans();
  if (templates.length === 0) {
    return (
      <p className="jp-nbctl-empty">
        {filtered
          ? trans.__('No template matches the filter.')
          : trans.__('No templates are offered to you yet.')}
      </p>
    );
  }
  return (
    <ul className="jp-nbctl-catalog" aria-label={trans.__('Templates')}>
      {templates.map(template => (
        <li key={`${template.namespace}/${template.name}`}>
          <TemplateCard template={template} onPick={onPick} />
        </li>
      ))}
    </ul>
  );
}

function TemplateCard({
  template,
  onPick
}: {
  template: ITemplate;
  onPick: (template: ITemplate) => void;
}): JSX.Element {
  const trans = useTrans();
  // An icon that fails to load falls back to the letter, never to a broken-image glyph.
  const [broken, setBroken] = useState(false);
  const { cpu, memory, gpu } = template.resources;
  const offers = [
    trans.__('CPU %1', bounded(cpu, trans)),
    trans.__('memory %1', bounded(memory, trans)),
    gpu.max > 0
      ? trans.__(
          'GPUs %1',
          gpu.min === gpu.max ? `${gpu.max}` : `${gpu.min}–${gpu.max}`
        )
      : null,
    template.workspace
      ? trans.__('workspace %1', bounded(template.workspace.size, trans))
      : trans.__('no workspace')
  ].filter(Boolean);
  return (
    <button
      className="jp-nbctl-card"
      onClick={() => onPick(template)}
      aria-label={trans.__('Launch %1', template.displayName)}
      data-template={template.name}
    >
      {template.icon && !broken ? (
        <img
          className="jp-nbctl-card-icon"
          src={template.icon}
          alt=""
          onError={() => setBroken(true)}
        />
      ) : (
        <span
          className="jp-nbctl-card-icon jp-nbctl-card-icon-default"
          aria-hidden="true"
        >
          {template.displayName.slice(0, 1).toUpperCase()}
        </span>
      )}
      <span className="jp-nbctl-card-text">
        <span className="jp-nbctl-card-title">{template.displayName}</span>
        {template.description && (
          <span className="jp-nbctl-card-description">
            {template.description}
          </span>
        )}
        <span className="jp-nbctl-card-offer">{offers.join(' · ')}</span>
        {template.configurations.length > 0 && (
          <span className="jp-nbctl-card-offer">
            {trans.__(
              'configurations: %1',
              template.configurations.map(c => c.displayName).join(', ')
            )}
          </span>
        )}
        <span className="jp-nbctl-card-image" title={template.image}>
          {template.image}
        </span>
      </span>
    </button>
  );
}

/** "1 (up to 4)", "2Gi", "1Gi (100Mi to 20Gi)": the default and its bounds. */
function bounded(b: IBounds, trans: TranslationBundle): string {
  if (b.min && b.max) {
    return trans.__('%1 (%2 to %3)', b.default, b.min, b.max);
  }
  if (b.max) {
    return trans.__('%1 (up to %2)', b.default, b.max);
  }
  return b.min ? trans.__('%1 (at least %2)', b.default, b.min) : b.default;
}
