/**
 * OpenNebula USER_INPUTS specs as the CLI parser (OpenNebulaHelper.parse_user_inputs) reads them:
 * `M|type|Description` or `O|type|Description|params|default` — 3 or 5 fields, never 4. Checked here
 * so a marketplace template never reaches users with an input the CLI rejects or misreads.
 */

export const USER_INPUT_TYPES = [
  'text',
  'text64',
  'password',
  'boolean',
  'number',
  'number-float',
  'range',
  'range-float',
  'list',
  'list-multiple',
  'fixed',
] as const;
export type UserInputType = (typeof USER_INPUT_TYPES)[number];

export interface UserInput {
  mandatory: boolean;
  type: UserInputType;
  description: string;
  params: string;
  default: string;
}

export type ParsedUserInput = { ok: true; input: UserInput } | { ok: false; error: string };

export function parseUserInput(spec: string): ParsedUserInput {
  const fields = spec.split('|');
  if (fields.length < 3)
    return { ok: false, error: `${fields.length} fields; need 3 (M|type|Description) or 5 (O|type|Description|params|default)` };
  if (fields.length !== 3 && fields.length !== 5)
    return { ok: false, error: `${fields.length} fields; the CLI accepts only 3 or 5 (4 is rejected)` };
  const [flag, type, description, params = '', def = ''] = fields as [string, string, string, string?, string?];
  if (flag !== 'M' && flag !== 'O') return { ok: false, error: `first field must be M or O, not "${flag}"` };
  if (!(USER_INPUT_TYPES as readonly string[]).includes(type)) return { ok: false, error: `unknown type "${type}"` };
  if (description.trim() === '') return { ok: false, error: 'empty description' };
  const input: UserInput = { mandatory: flag === 'M', type: type as UserInputType, description, params: params.trim(), default: def };
  const problem = checkTyped(input);
  return problem === undefined ? { ok: true, input } : { ok: false, error: problem };
}

function checkTyped(i: UserInput): string | undefined {
  const d = i.default;
  switch (i.type) {
    case 'boolean':
      return d === '' || d === 'YES' || d === 'NO' ? undefined : `boolean default must be YES or NO, not "${d}"`;
    case 'number':
      return d === '' || /^-?\d+$/.test(d) ? undefined : `number default "${d}" is not an integer`;
    case 'number-float':
      return d === '' || /^-?\d+(\.\d+)?$/.test(d) ? undefined : `number-float default "${d}" is not a number`;
    case 'range':
    case 'range-float': {
      const m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$/.exec(i.params);
      if (m === null) return `${i.type} params must be min..max, not "${i.params}"`;
      const [min, max] = [Number(m[1]), Number(m[2])];
      if (min > max) return `${i.type} min ${min} > max ${max}`;
      if (i.type === 'range' && (!Number.isInteger(min) || !Number.isInteger(max)))
        return 'range bounds must be integers (use range-float)';
      if (d !== '' && !(Number(d) >= min && Number(d) <= max)) return `default ${d} outside ${i.params}`;
      return undefined;
    }
    case 'list':
    case 'list-multiple': {
      // Commas split the options: an option can never contain one.
      const options = i.params.split(',').map((o) => o.trim());
      if (i.params === '' || options.some((o) => o === '')) return `${i.type} needs comma-separated options, got "${i.params}"`;
      const defaults = i.type === 'list-multiple' ? d.split(',').filter((x) => x !== '') : d === '' ? [] : [d];
      const bad = defaults.filter((x) => !options.includes(x));
      if (bad.length > 0) return `default "${bad.join(',')}" is not one of ${options.join(', ')}`;
      return undefined;
    }
    case 'fixed':
      return d === '' ? 'fixed input needs a default value' : undefined;
    default:
      return undefined;
  }
}
