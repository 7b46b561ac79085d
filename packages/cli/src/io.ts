/**
 * The streams and environment a command runs against. The bin passes the real
 * process; tests pass their own, so every command is callable in-process too.
 */

/** A text sink (stdout or stderr). `isTTY` decides whether progress bars are drawn. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** What a command may touch besides its arguments. */
export interface CliIo {
  /** Results go here (`--json` output is the only thing written to stdout). */
  stdout: TextSink;
  /** Messages, warnings and progress go here. */
  stderr: TextSink;
  /** Input for commands given "-" as a file name. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Environment variables (PORT, HOST, DATA_DIR). */
  env: Record<string, string | undefined>;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /**
   * Resolves when the process is asked to stop (SIGINT/SIGTERM). Long-running commands
   * (`serve`, `checkpoint watch`) stop at that point. Omitted: they run until aborted otherwise.
   */
  stopSignal?: AbortSignal;
}

/**
 * Exit statuses of the `dataledger` command, the same for every subcommand.
 * - `OK` (0): the command did its job; what was checked is valid.
 * - `INVALID` (1): what was checked is not valid (a bundle, a certificate, a split view).
 * - `USAGE` (2): the command could not run as asked (bad arguments, unreadable file,
 *   unreachable URL, a missing component).
 */
export const EXIT: { readonly OK: 0; readonly INVALID: 1; readonly USAGE: 2 } = Object.freeze({
  OK: 0,
  INVALID: 1,
  USAGE: 2,
});

/** An exit status of the `dataledger` command. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** The real process's {@link CliIo}, which also tells whether a signal asked it to stop. */
export interface ProcessIo extends CliIo {
  /** True once SIGINT or SIGTERM asked a long-running command to stop. */
  readonly stopRequested: boolean;
  /**
   * The command has finished (a server has closed its store): from now on a signal changes
   * nothing, the process is ending with the command's status.
   */
  finished(): void;
}

/**
 * The real process's streams and environment. Its `stopSignal` installs SIGINT/SIGTERM
 * handlers the first time a command reads it, so only long-running commands (`serve`,
 * `checkpoint watch`) trade the default "die on signal" for a graceful stop; a second signal
 * still ends the process at once.
 * @returns a {@link ProcessIo} bound to `process`
 */
export function processIo(): ProcessIo {
  let controller: AbortController | undefined;
  let done = false;
  return {
    get stopRequested(): boolean {
      return controller?.signal.aborted === true;
    },
    finished(): void {
      done = true;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    get stopSignal(): AbortSignal {
      if (controller === undefined) {
        const c = new AbortController();
        controller = c;
        let first = 0;
        const onSignal = (signal: NodeJS.Signals): void => {
          // Under `npm start`, Ctrl-C reaches this process twice at once: from the terminal
          // (the whole foreground group) and forwarded by npm. Only a signal repeated later
          // is a request to stop at once; once the command has finished, there is nothing
          // left to stop.
          if (done) return;
          if (c.signal.aborted) {
            if (Date.now() - first > 1000) process.exit(signal === 'SIGINT' ? 130 : 143);
            return;
          }
          first = Date.now();
          c.abort(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      return controller.signal;
    },
  };
}
