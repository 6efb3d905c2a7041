import React, { useState } from 'react';

import { boundsProblem, nameProblem, parseQuantity } from '../quantity';
import { ILaunchRequest, ITemplate, IWorkspace } from '../tokens';

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
  reattach
}: ILaunchFormProps): JSX.Element {
  const bounds = template.resources;
  const offer = template.workspace;
  const [claim, setClaim] = useState(offer ? (reattach ?? '') : '');
  const [size, setSize] = useState(offer?.size.default ?? '');
  const [deleteWithIt, setDeleteWithIt] = useState(false);
  const [name, setName] = useState('');
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
    name: nameProblem(name),
    cpu: boundsProblem('CPU', cpu, bounds.cpu),
    memory: boundsProblem('Memory', memory, bounds.memory),
    gpu:
      gpu < bounds.gpu.min || gpu > bounds.gpu.max
        ? `GPUs must be between ${bounds.gpu.min} and ${bounds.gpu.max}`
        : null,
    size:
      offer && !claim
        ? (boundsProblem('Workspace size', size, offer.size) ??
          ((parseQuantity(size) ?? 0) <= 0
            ? 'Workspace size must be more than zero'
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
        <span className="jp-nbctl-problem" id={`${id}-problem`} role="alert">
          {problem}
        </span>
      )}
    </div>
  );

  return (
    <form
      className="jp-nbctl-launch"
      onSubmit={submit}
      aria-label={`Launch ${template.displayName}`}
    >
      <h3>Launch {template.displayName}</h3>
      {field(
        'nbctl-name',
        'Name',
        name ? problems.name : null,
        <input
          id="nbctl-name"
          className="jp-mod-styled"
          value={name}
          autoFocus
          placeholder="my-notebook"
          aria-invalid={!!(name && problems.name)}
          onChange={e => setName(e.target.value)}
        />
      )}
      {template.configurations.length > 0 && (
        <fieldset className="jp-nbctl-field">
          <legend>Configurations</legend>
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
        `CPU${bounds.cpu.max ? ` (up to ${bounds.cpu.max})` : ''}`,
        problems.cpu,
        <input
          id="nbctl-cpu"
          className="jp-mod-styled"
          value={cpu}
          aria-invalid={!!problems.cpu}
          onChange={e => setCpu(e.target.value)}
        />
      )}
      {field(
        'nbctl-memory',
        `Memory${bounds.memory.max ? ` (up to ${bounds.memory.max})` : ''}`,
        problems.memory,
        <input
          id="nbctl-memory"
          className="jp-mod-styled"
          value={memory}
          aria-invalid={!!problems.memory}
          onChange={e => setMemory(e.target.value)}
        />
      )}
      {bounds.gpu.max > 0 &&
        field(
          'nbctl-gpu',
          'GPUs',
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
          <legend>Workspace (your files, at {offer.mountPath})</legend>
          {kept.length > 0 && (
            <select
              id="nbctl-workspace"
              className="jp-mod-styled"
              aria-label="Workspace to use"
              value={claim}
              onChange={e => setClaim(e.target.value)}
            >
              <option value="">A new workspace</option>
              {kept.map(w => (
                <option key={w.name} value={w.name}>
                  Reattach {w.name} (kept from {w.notebook}
                  {w.size ? `, ${w.size}` : ''})
                </option>
              ))}
            </select>
          )}
          {!claim &&
            field(
              'nbctl-workspace-size',
              `Size${sizeRange(offer.size.min, offer.size.max)}`,
              problems.size,
              <input
                id="nbctl-workspace-size"
                className="jp-mod-styled"
                value={size}
                aria-invalid={!!problems.size}
                onChange={e => setSize(e.target.value)}
              />
            )}
          <label className="jp-nbctl-checkbox">
            <input
              type="checkbox"
              checked={deleteWithIt}
              onChange={e => setDeleteWithIt(e.target.checked)}
            />
            <span>Delete the workspace when I delete the notebook</span>
          </label>
        </fieldset>
      ) : (
        <p className="jp-nbctl-hint" role="note">
          This template has no workspace: files in the notebook are lost each
          time it stops.
        </p>
      )}
      {field(
        'nbctl-policy',
        'Template updates',
        null,
        <select
          id="nbctl-policy"
          className="jp-mod-styled"
          value={policy}
          onChange={e => setPolicy(e.target.value as 'Auto' | 'Manual')}
        >
          <option value="Auto">Take them at each start (Auto)</option>
          <option value="Manual">Only when I ask (Manual)</option>
        </select>
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
          Cancel
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={!valid || busy}
        >
          Launch
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
