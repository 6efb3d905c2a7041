import React from 'react';

import { ITemplate } from '../tokens';

/** Props of TemplateCatalog. */
export interface ITemplateCatalogProps {
  /** The templates the user may launch. */
  templates: ITemplate[];
  /** Called with the template the user picked. */
  onPick: (template: ITemplate) => void;
}

/** A card per template: its icon, name, description and image. */
export function TemplateCatalog({
  templates,
  onPick
}: ITemplateCatalogProps): JSX.Element {
  if (templates.length === 0) {
    return (
      <p className="jp-nbctl-empty">No templates are offered to you yet.</p>
    );
  }
  return (
    <ul className="jp-nbctl-catalog" aria-label="Templates">
      {templates.map(template => (
        <li key={`${template.namespace}/${template.name}`}>
          <button
            className="jp-nbctl-card"
            onClick={() => onPick(template)}
            aria-label={`Launch ${template.displayName}`}
            data-template={template.name}
          >
            {template.icon ? (
              <img className="jp-nbctl-card-icon" src={template.icon} alt="" />
            ) : (
              <span
                className="jp-nbctl-card-icon jp-nbctl-card-icon-default"
                aria-hidden="true"
              >
                {template.displayName.slice(0, 1).toUpperCase()}
              </span>
            )}
            <span className="jp-nbctl-card-text">
              <span className="jp-nbctl-card-title">
                {template.displayName}
              </span>
              {template.description && (
                <span className="jp-nbctl-card-description">
                  {template.description}
                </span>
              )}
              <span className="jp-nbctl-card-image">{template.image}</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
