import { HTMLSelect } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { useTrans } from '../i18n';
import { boundsProblem, nameProblem, parseQuantity } from '../quantity';
import { ILaunchRequest, ITemplate, IWorkspace } from '../tokens';
import { QuantityInput } from './QuantityInput';

/** Props of LaunchForm. */
export interface ILaunchFormProps {
  /** The template to launch. */
  template: ITemplate;
  /** Called with a valid request; resolves when the server answered. */
  onLaunch: (request: ILaunchRequest) => Promise<unknown>;
  /** Called when the user gives up. */
  onCancel: () => void;
  /** My workspaces kept from deleted notebooks, which the form may reattach. */
  kept?: IWorkspace[];
  /** The kept workspace to reattach, when the user came from its Reattach. */
  reattach?: string;
  /** Names of my notebooks: taken, so said on the field as I type. */
  taken?: string[];
}

/** The template's name, or with the first free number after it: "scipy", "scipy-2". */
export function suggestName(template: string, taken: string[]): string {
  const base =
    template
      .toLowerCase()
      .replace(/[^-a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'notebook';
  if (!taken.includes(base)) {
    return base;
  }
  for (let i = 2; ; i++) {
    if (!taken.includes(`${base}-${i}`)) {
      return `${base}-${i}`;
    }
  }
}

/**
 * Name, configurations, resources within the template's bounds, and the
 * update policy. Each field says what is wrong with it before the submit.
 */
export function LaunchForm({
  template,
  onLaunch,
  onCancel,
  kept = [],
  reattach,
  taken = []
}: ILaunchFormProps): JSX.Element {
  const trans = useTrans();
  const bounds = template.resources;
  const offer = template.workspace;
  const [claim, setClaim] = useState(offer ? (reattach ?? '') : '');
  const [size, setSize] = useState(offer?.size.default ?? '');
  const [deleteWithIt, setDeleteWithIt] = useState(false);
  const [name, setName] = useState(() => suggestName(template.name, taken));
  const [cpu, setCpu] = useState(bounds.cpu.default);
  const [memory, setMemory] = useState(bounds.memory.default);
  const [gpu, setGpu] = useState(bounds.gpu.default);
  const [picked, setPicked] = useState<string[]>(
    template.configurations.filter(c => c.default).map(c => c.name)
  );
  const [policy, setPolicy] = useState<'Auto' | 'Manual'>('Auto');
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);

  const problems = {
    name:
      nameProblem(name, trans) ??
      (taken.includes(name)
        ? trans.__('You already have a notebook named %1', name)
        : null),
    cpu: boundsProblem(trans.__('CPU'), cpu, bounds.cpu, trans),
    memory: boundsProblem(trans.__('Memory'), memory, bounds.memory, trans),
    gpu:
      gpu < bounds.gpu.min || gpu > bounds.gpu.max
        ? trans.__(
            'GPUs must be between %1 and %2',
            bounds.gpu.min,
            bounds.gpu.max
          )
        : null,
    size:
      offer && !claim
        ? (boundsProblem(trans.__('Workspace size'), size, offer.size, trans) ??
          ((parseQuantity(size) ?? 0) <= 0
            ? trans.__('Workspace size must be more than zero')
            : null))
        : null
  };
  const valid = Object.values(problems).every(p => p === null);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!valid || busy) {
      return;
    }
    setBusy(true);
    setServerError(null);
    try {
      await onLaunch({
        name,
        template: { name: template.name, namespace: template.namespace },
        configurations: picked,
        resources: { cpu, memory, ...(bounds.gpu.max > 0 ? { gpu } : {}) },
        updatePolicy: policy,
        ...(offer
          ? {
              workspace: {
                ...(claim ? { existingClaim: claim } : { size }),
                onDelete: deleteWithIt ? 'Delete' : 'Retain'
              }
            }
          : {})
      });
    } catch (error) {
      setServerError(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };

  const field = (
    id: string,
    label: string,
    problem: string | null,
    input: JSX.Element
  ) => (
    <div className="jp-nbctl-field">
      <label htmlFor={id}>{label}</label>
      {input}
      {problem && (
        // Polite, not an alert: it changes with each key typed.
        <span
          className="jp-nbctl-problem"
          id={`${id}-problem`}
          aria-live="polite"
        >
          {problem}
        </span>
      )}
    </div>
  );

  return (
    <form
      className="jp-nbctl-launch"
      onSubmit={submit}
      onKeyDown={e => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCancel();
        }
      }}
      aria-label={trans.__('Launch %1', template.displayName)}
    >
      <h3>{trans.__('Launch %1', template.displayName)}</h3>
      {field(
        'nbctl-name',
        trans.__('Name'),
        name ? problems.name : null,
        <input
          id="nbctl-name"
          className="jp-mod-styled"
          value={name}
          autoFocus
          onFocus={e => e.target.select()}
          placeholder="my-notebook"
          aria-invalid={!!(name && problems.name)}
          aria-describedby={problems.name ? 'nbctl-name-problem' : undefined}
          onChange={e => setName(e.target.value)}
        />
      )}
      {template.configurations.length > 0 && (
        <fieldset className="jp-nbctl-field">
          <legend>{trans.__('Configurations')}</legend>
          {template.configurations.map(c => (
            <label
              key={c.name}
              className="jp-nbctl-checkbox"
              title={c.description}
            >
              <input
                type="checkbox"
                checked={picked.includes(c.name)}
                onChange={e =>
                  setPicked(p =>
                    e.target.checked
                      ? [...p, c.name]
                      : p.filter(x => x !== c.name)
                  )
                }
              />
              <span>{c.displayName}</span>
              {c.description && (
                <span className="jp-nbctl-hint"> — {c.description}</span>
              )}
            </label>
          ))}
        </fieldset>
      )}
      {field(
        'nbctl-cpu',
        bounds.cpu.max
          ? trans.__('CPU (up to %1)', bounds.cpu.max)
          : trans.__('CPU'),
        problems.cpu,
        <QuantityInput
          id="nbctl-cpu"
          kind="cpu"
          label={trans.__('CPU')}
          value={cpu}
          invalid={!!problems.cpu}
          onChange={setCpu}
        />
      )}
      {field(
        'nbctl-memory',
        bounds.memory.max
          ? trans.__('Memory (up to %1)', bounds.memory.max)
          : trans.__('Memory'),
        problems.memory,
        <QuantityInput
          id="nbctl-memory"
          kind="bytes"
          label={trans.__('Memory')}
          value={memory}
          invalid={!!problems.memory}
          onChange={setMemory}
        />
      )}
      {bounds.gpu.max > 0 &&
        field(
          'nbctl-gpu',
          trans.__('GPUs (%1 to %2)', bounds.gpu.min, bounds.gpu.max),
          problems.gpu,
          <input
            id="nbctl-gpu"
            type="number"
            className="jp-mod-styled"
            min={bounds.gpu.min}
            max={bounds.gpu.max}
            value={gpu}
            onChange={e => setGpu(Number(e.target.value))}
          />
        )}
      {offer ? (
        <fieldset className="jp-nbctl-field" aria-label="Workspace">
          <legend>
            {trans.__('Workspace (your files, at %1)', offer.mountPath)}
          </legend>
          {kept.length > 0 && (
            <HTMLSelect
              id="nbctl-workspace"
              aria-label={trans.__('Workspace to use')}
              value={claim}
              onChange={e => setClaim(e.target.value)}
            >
              <option value="">{trans.__('A new workspace')}</option>
              {kept.map(w => (
                <option key={w.name} value={w.name}>
                  {w.size
                    ? trans.__(
                        'Reattach %1 (kept from %2, %3)',
                        w.name,
                        w.notebook,
                        w.size
                      )
                    : trans.__(
                        'Reattach %1 (kept from %2)',
                        w.name,
                        w.notebook
                      )}
                </option>
              ))}
            </HTMLSelect>
          )}
          {!claim &&
            field(
              'nbctl-workspace-size',
              trans.__('Size') + sizeRange(offer.size.min, offer.size.max),
              problems.size,
              <QuantityInput
                id="nbctl-workspace-size"
                kind="bytes"
                label={trans.__('Workspace size')}
                value={size}
                invalid={!!problems.size}
                onChange={setSize}
              />
            )}
          <label className="jp-nbctl-checkbox">
            <input
              type="checkbox"
              checked={deleteWithIt}
              onChange={e => setDeleteWithIt(e.target.checked)}
            />
            <span>
              {trans.__('Delete the workspace when I delete the notebook')}
            </span>
          </label>
        </fieldset>
      ) : (
        <p className="jp-nbctl-hint" role="note">
          {trans.__(
            'This template has no workspace: files in the notebook are lost each time it stops.'
          )}
        </p>
      )}
      {field(
        'nbctl-policy',
        trans.__('Template updates'),
        null,
        <HTMLSelect
          id="nbctl-policy"
          value={policy}
          onChange={e => setPolicy(e.target.value as 'Auto' | 'Manual')}
        >
          <option value="Auto">
            {trans.__('Take them at each start (Auto)')}
          </option>
          <option value="Manual">{trans.__('Only when I ask (Manual)')}</option>
        </HTMLSelect>
      )}
      {serverError && (
        <p className="jp-nbctl-problem" role="alert">
          {serverError}
        </p>
      )}
      <div className="jp-nbctl-actions">
        <button
          type="button"
          className="jp-mod-styled jp-mod-reject"
          onClick={onCancel}
        >
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={!valid || busy}
        >
          {trans.__('Launch')}
        </button>
      </div>
    </form>
  );
}

function sizeRange(min?: string, max?: string): string {
  if (min && max) {
    return ` (${min} to ${max})`;
  }
  if (max) {
    return ` (up to ${max})`;
  }
  return min ? ` (at least ${min})` : '';
}
