/**
 * Former variable names (before the `ONEAPP_COPILOT_<GROUP>_<FIELD>` scheme) keep working: each is read
 * as its new name. When both are set and differ, the new name wins. Every former name in use yields a
 * notice naming the variable to use instead; configure logs them and the report lists them.
 */
import { CONTEXT_VARIABLES, type ContextVariableName } from './context-variables.ts';

export interface AliasNotice {
  /** The former name found in the context. */
  former: string;
  /** The variable to use instead. */
  current: ContextVariableName;
  /** Both names are set with different values: the current one was used, the former one ignored. */
  conflict: boolean;
}

export interface ResolvedContext {
  /** Values by current name (undefined: not set under any name). */
  values: Record<ContextVariableName, string | undefined>;
  /** Which name each value was read from, for errors that name what the operator typed. */
  source: Record<ContextVariableName, string>;
  notices: AliasNotice[];
}

export function resolveAliases(raw: Readonly<Record<string, string | undefined>>): ResolvedContext {
  const values = {} as Record<ContextVariableName, string | undefined>;
  const source = {} as Record<ContextVariableName, string>;
  const notices: AliasNotice[] = [];
  for (const v of CONTEXT_VARIABLES) {
    values[v.name] = raw[v.name];
    source[v.name] = v.name;
    for (const former of v.aliases) {
      const value = raw[former];
      if (value === undefined) continue;
      const current = raw[v.name];
      const conflict = current !== undefined && current.trim() !== value.trim();
      notices.push({ former, current: v.name, conflict });
      if (current === undefined) {
        values[v.name] = value;
        source[v.name] = former;
      }
    }
  }
  return { values, source, notices };
}

/** One line per notice, for the stage log (a warning each). */
export function aliasNoticeText(n: AliasNotice): string {
  return n.conflict
    ? `${n.former} and ${n.current} are both set and differ: ${n.current} wins, ${n.former} is ignored; remove ${n.former}`
    : `${n.former} is a former name, still read; rename it to ${n.current}`;
}
