import { HTMLSelect } from '@jupyterlab/ui-components';
import React from 'react';

import { useTrans } from '../i18n';

/** The units a quantity field offers. */
export type QuantityKind = 'cpu' | 'bytes';

/** Props of QuantityInput. */
export interface IQuantityInputProps {
  id?: string;
  /** The accessible name of the number, such as "Memory". */
  label: string;
  /** A Kubernetes quantity: "500m", "2", "4Gi". */
  value: string;
  onChange: (quantity: string) => void;
  kind: QuantityKind;
  invalid?: boolean;
  autoFocus?: boolean;
}

const SPLIT = /^\s*([0-9]*\.?[0-9]*)\s*([A-Za-z]*)\s*$/;

/**
 * A quantity as a number and its unit, so that "2" is never two bytes: the
 * unit is always chosen, and the field gives the quantity back whole.
 */
export function QuantityInput({
  id,
  label,
  value,
  onChange,
  kind,
  invalid,
  autoFocus
}: IQuantityInputProps): JSX.Element {
  const trans = useTrans();
  const units =
    kind === 'cpu'
      ? [
          { value: '', label: trans.__('cores') },
          { value: 'm', label: trans.__('millicores') }
        ]
      : [
          { value: 'Mi', label: 'MiB' },
          { value: 'Gi', label: 'GiB' },
          { value: 'Ti', label: 'TiB' }
        ];
  const match = SPLIT.exec(value);
  const number = match ? match[1] : value;
  let unit = match ? match[2] : '';
  if (kind === 'bytes' && unit === '') {
    unit = 'Gi'; // a bare number of bytes is never what was meant
  }
  // A unit the template used that the list lacks (G, Ki) stays choosable.
  const options = units.some(u => u.value === unit)
    ? units
    : [...units, { value: unit, label: unit }];
  return (
    <span className="jp-nbctl-quantity">
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={0}
        step="any"
        className="jp-mod-styled"
        aria-label={label}
        aria-invalid={invalid}
        autoFocus={autoFocus}
        value={number}
        onChange={e => onChange(`${e.target.value}${unit}`)}
      />
      <HTMLSelect
        aria-label={trans.__('%1 unit', label)}
        value={unit}
        options={options}
        onChange={e => onChange(`${number}${e.target.value}`)}
      />
    </span>
  );
}
