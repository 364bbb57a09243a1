/**
 * Flags declared once: a table row per flag (commander's flag syntax, help line, and where the value goes) from
 * which the command's options, its help and the mapping of parsed values are all derived, so they cannot drift.
 * Numbers are passed on as numbers when they parse and as text otherwise, for the schema to refuse by name.
 */
import { Option, type Command } from 'commander';

/** One flag: `--batch-size <n>` (a value), `--baseline` (a switch) or `--init <spec>` given several times (a list). */
export interface FlagSpec {
  /** Commander's syntax: `--name <value>` or `--name`; commander's camelCase of the name is the option key. */
  readonly flags: string;
  readonly help: string;
  /** How the value is passed on: as text, as a number when it parses as one, a switch, or every occurrence's text. */
  readonly type: 'string' | 'number' | 'boolean' | 'list';
  /** Default shown in the help and used when the flag is absent. */
  readonly default?: string;
}

/** The option key commander gives a flag (`--batch-size <n>` -> `batchSize`). */
export function optionKey(flag: FlagSpec): string {
  return new Option(flag.flags).attributeName();
}

/** The long name of a flag (`--batch-size`). */
export function flagName(flag: FlagSpec): string {
  return new Option(flag.flags).long!;
}

/** Adds every flag of `table` to `cmd`. */
export function addFlags(cmd: Command, table: readonly FlagSpec[]): Command {
  for (const f of table) {
    const o = new Option(f.flags, f.help);
    if (f.default !== undefined) o.default(f.default);
    if (f.type === 'list') o.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(o);
  }
  return cmd;
}

/** A numeric flag's text as a number when it is one; anything else is passed on for a schema to refuse by name. */
export function numberOrText(v: string): number | string {
  return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** Parsed flag values by option key. */
export type FlagValues = Record<string, string | number | boolean | string[]>;

/** The values commander parsed for `table`'s flags, by option key: numbers converted, absent flags left out. */
export function flagValues(table: readonly FlagSpec[], opts: Readonly<Record<string, unknown>>): FlagValues {
  const out: FlagValues = {};
  for (const f of table) {
    const v = opts[optionKey(f)];
    if (v === undefined) continue;
    out[optionKey(f)] = f.type === 'number' && typeof v === 'string' ? numberOrText(v) : (v as string | boolean | string[]);
  }
  return out;
}
