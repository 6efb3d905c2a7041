/**
 * Unit tests of the panel's pieces in jsdom (Jest, as JupyterLab's
 * extension template sets it up): what each shows and does, without a
 * server. The Galata specs in ui-tests/ test the panel against the cluster.
 */
import { act, fireEvent, render, screen } from '@testing-library/react';
import React from 'react';

import { LaunchForm } from '../src/components/LaunchForm';
import {
  INotebookActions,
  NotebookList,
  shownPhase
} from '../src/components/NotebookList';
import { TemplateCatalog } from '../src/components/TemplateCatalog';
import { boundsProblem, parseQuantity } from '../src/quantity';
import { PanelState } from '../src/state';
import { INotebook, ITemplate } from '../src/tokens';

const template: ITemplate = {
  name: 'scipy',
  namespace: 'alice',
  displayName: 'JupyterLab (SciPy)',
  description: 'Python with SciPy',
  icon: 'https://example.invalid/broken.svg',
  image: 'quay.io/jupyter/scipy-notebook:2026-11-30',
  configurations: [
    {
      name: 'spark-defaults',
      displayName: 'Spark UI',
      description: '',
      default: false
    }
  ],
  resources: {
    cpu: { default: '1', max: '4' },
    memory: { default: '2Gi', min: '1Gi', max: '8Gi' },
    gpu: { default: 0, min: 0, max: 0 }
  },
  workspace: {
    size: { default: '10Gi', max: '50Gi' },
    mountPath: '/home/jovyan'
  } as ITemplate['workspace']
};

function notebook(over: Partial<INotebook> = {}): INotebook {
  return {
    name: 'lab',
    namespace: 'alice',
    template: { name: 'scipy', namespace: 'alice' },
    phase: 'Running',
    ready: true,
    reason: '',
    message: '',
    url: '/notebook/alice/lab/',
    stopped: false,
    resources: { cpu: '1', memory: '2Gi' },
    updatePolicy: 'Auto',
    configurations: [],
    updateAvailable: false,
    conditions: [],
    mine: true,
    ...over
  } as INotebook;
}

function actions(): INotebookActions & { calls: string[] } {
  const calls: string[] = [];
  const did =
    (what: string) =>
    (arg: unknown): Promise<void> => {
      calls.push(
        `${what} ${typeof arg === 'string' ? arg : (arg as INotebook).name}`
      );
      return Promise.resolve();
    };
  return {
    calls,
    open: nb => void did('open')(nb),
    stop: did('stop'),
    start: did('start'),
    resize: did('resize'),
    update: did('update'),
    keepRunning: did('keep'),
    remove: did('remove'),
    menu: nb => void did('menu')(nb),
    details: name => void did('details')(name)
  };
}

describe('shownPhase', () => {
  it('shows a Stop not yet seen by the status as Stopping', () => {
    expect(shownPhase(notebook({ stopped: true, phase: 'Running' }))).toBe(
      'Stopping'
    );
  });
  it('shows a Start not yet seen by the status as Starting', () => {
    expect(shownPhase(notebook({ stopped: false, phase: 'Stopped' }))).toBe(
      'Starting'
    );
  });
  it('shows a notebook just accepted, without a status yet, as Pending', () => {
    expect(shownPhase(notebook({ phase: 'Unknown', conditions: [] }))).toBe(
      'Pending'
    );
  });
  it('keeps a failure as it is', () => {
    expect(shownPhase(notebook({ stopped: true, phase: 'Failed' }))).toBe(
      'Failed'
    );
  });
});

describe('quantities', () => {
  it('reads binary and decimal suffixes', () => {
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
  });
  it('names the bound a value breaks', () => {
    expect(boundsProblem('CPU', '8', { max: '4' })).toMatch(/4/);
    expect(boundsProblem('CPU', '2', { max: '4' })).toBeNull();
  });
});

describe('PanelState', () => {
  it('filters by any of the texts, ignoring case and spaces', () => {
    const state = new PanelState();
    let changes = 0;
    state.changed.connect(() => changes++);
    state.filter = '  SciPy ';
    expect(state.matches('lab', 'JupyterLab (SciPy)')).toBe(true);
    expect(state.matches('lab', 'RStudio')).toBe(false);
    state.filter = 'scipy';
    expect(changes).toBe(1); // the same filter again is no change
  });
});

describe('NotebookList', () => {
  it('gives each of my notebooks Open, Stop and a menu, with tooltips that say the cost', async () => {
    const acts = actions();
    render(
      <NotebookList
        notebooks={[notebook()]}
        actions={acts}
        templates={[template]}
        state={new PanelState()}
      />
    );
    const buttons = screen.getAllByRole('button');
    expect(buttons.map(b => b.getAttribute('aria-label'))).toEqual([
      'Details of lab',
      'Open lab',
      'Stop lab',
      'More actions for lab'
    ]);
    expect(screen.getByLabelText('Stop lab').title).toMatch(
      /running kernels end, and its files are lost/
    );
    expect(screen.getByText(/JupyterLab \(SciPy\)/)).toBeTruthy();
    // The row settles when the stop is answered: within act, as React asks.
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Stop lab'));
    });
    expect(acts.calls).toEqual(['stop lab']);
  });

  it('shows a start stuck for room as such, with Resize as the fix', () => {
    const resized: string[] = [];
    const state = new PanelState();
    state.changed.connect(() => resized.push(String(state.resizing)));
    render(
      <NotebookList
        notebooks={[
          notebook({
            phase: 'Pending',
            ready: false,
            reason: 'Unschedulable',
            message:
              'The pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.'
          })
        ]}
        actions={actions()}
        state={state}
      />
    );
    expect(screen.getByText(/Insufficient cpu/)).toBeTruthy();
    expect(
      screen.getByText('Scheduled').className.includes('jp-mod-blocked')
    ).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Resize lab' }));
    expect(resized).toEqual(['lab']);
  });

  it('turns a pressed Stop into a disabled Stopping… at once', async () => {
    const acts = actions();
    let finish = () => undefined as void;
    acts.stop = () => new Promise<void>(resolve => (finish = resolve));
    render(
      <NotebookList
        notebooks={[notebook()]}
        actions={acts}
        state={new PanelState()}
      />
    );
    fireEvent.click(screen.getByLabelText('Stop lab'));
    const settling = screen.getByLabelText('Stopping lab') as HTMLButtonElement;
    expect(settling.disabled).toBe(true);
    await act(async () => finish());
  });

  it('shows only what the filter keeps', () => {
    const state = new PanelState();
    state.filter = 'other';
    render(
      <NotebookList
        notebooks={[notebook(), notebook({ name: 'other' })]}
        actions={actions()}
        state={state}
      />
    );
    expect(screen.queryByLabelText('Stop lab')).toBeNull();
    expect(screen.getByLabelText('Stop other')).toBeTruthy();
  });
});

describe('TemplateCatalog', () => {
  it('says what a launch gets, and falls back to a letter when the icon fails', () => {
    const { container } = render(
      <TemplateCatalog templates={[template]} onPick={() => undefined} />
    );
    const card = screen.getByLabelText('Launch JupyterLab (SciPy)');
    expect(card.textContent).toContain('CPU 1 (up to 4)');
    expect(card.textContent).toContain('memory 2Gi (1Gi to 8Gi)');
    expect(card.textContent).toContain('workspace 10Gi (up to 50Gi)');
    expect(card.textContent).toContain('configurations: Spark UI');
    fireEvent.error(container.querySelector('img')!);
    expect(container.querySelector('img')).toBeNull();
    expect(card.textContent).toContain('J');
  });
});

describe('LaunchForm', () => {
  it('cancels on Escape', () => {
    const cancelled: string[] = [];
    render(
      <LaunchForm
        template={template}
        onLaunch={() => Promise.resolve()}
        onCancel={() => cancelled.push('cancel')}
      />
    );
    fireEvent.keyDown(screen.getByLabelText('Name'), { key: 'Escape' });
    expect(cancelled).toEqual(['cancel']);
  });

  it('does not offer Launch for a name the API server would refuse', () => {
    render(
      <LaunchForm
        template={template}
        onLaunch={() => Promise.resolve()}
        onCancel={() => undefined}
      />
    );
    fireEvent.change(screen.getByLabelText('Name'), {
      target: { value: 'Bad_Name' }
    });
    expect(
      (screen.getByRole('button', { name: 'Launch' }) as HTMLButtonElement)
        .disabled
    ).toBe(true);
  });
});
