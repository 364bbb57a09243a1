/**
 * What main.ts and the commands' actions share (commander's actions return nothing): the arguments the program
 * was given, and the exit code the action chose. Internal to the CLI.
 */
let code = 0;
let argv: readonly string[] = [];

/** Records the program's arguments (main.ts, before parsing). */
export function setArgv(args: readonly string[]): void {
  argv = [...args];
}

/** The arguments after the subcommand `name`, as typed (for reports that record the command line). */
export function argsAfter(name: string): string[] {
  const at = argv.indexOf(name);
  return at < 0 ? [] : argv.slice(at + 1);
}

/** Records the exit code of the action that ran. */
export function setExitCode(c: number): void {
  code = c;
}

/** The exit code the last action recorded (0 when it recorded none). */
export function exitCode(): number {
  return code;
}
