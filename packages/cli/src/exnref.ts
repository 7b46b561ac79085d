/**
 * node-seal 7 is compiled with the final WebAssembly exception-handling proposal, whose `exnref`
 * value type V8 enables by default from Node 22.19.0 (and on Node 24). Node 22.0–22.18 refuse
 * the module ("invalid value type 'exn', enable with --experimental-wasm-exnref") unless V8 gets
 * `--experimental-wasm-exnref` at start-up. The `dataledger` command supplies that flag itself,
 * by starting itself again with it, so nobody has to type it.
 */
import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';

// The global is there on every Node; the type libraries in use (ES2024, @types/node) omit it.
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

/** The V8 flag that enables `exnref` on Node releases where it is still experimental. */
export const EXNREF_FLAG = '--experimental-wasm-exnref';

/**
 * The smallest WebAssembly module that declares a function type returning `exnref` (value type
 * 0x69, WebAssembly exception handling, "exnref" revision): magic, version, and a type section
 * holding `[] -> [exnref]`. It validates exactly when the engine accepts node-seal 7's module.
 */
const EXNREF_PROBE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x69]);

/**
 * Whether this Node's WebAssembly engine accepts `exnref`, i.e. can load node-seal 7 as is.
 * @returns `true` on Node ≥ 22.19 and 24, or when started with {@link EXNREF_FLAG}
 */
export function wasmExnrefSupported(): boolean {
  return WebAssembly.validate(EXNREF_PROBE);
}

/**
 * Whether the command must start itself again with {@link EXNREF_FLAG}: the engine refuses
 * `exnref`, the flag was not already given (so a Node that ignores the flag cannot loop), and
 * this is Node 22 or later, whose V8 knows the flag (Node 20 would stop at it as a bad option;
 * there node-seal cannot load at all, and commands that do not need it still run).
 */
export function needsExnrefRelaunch(): boolean {
  return Number(process.versions.node.split('.')[0]) >= 22 && !wasmExnrefSupported() && !process.execArgv.includes(EXNREF_FLAG);
}

/**
 * Runs this same command in a child Node started with {@link EXNREF_FLAG}, sharing the
 * standard streams, and ends this process with the child's exit status (or signal). Never
 * resolves: the caller stops where it awaits it.
 *
 * SIGTERM and SIGHUP sent to this process are passed on. SIGINT is passed on only when there is
 * no terminal: a Ctrl-C on a terminal already reaches the child (same process group), and a
 * second SIGINT would make a serving child stop at once instead of gracefully.
 */
export function relaunchWithExnref(): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, EXNREF_FLAG, ...process.argv.slice(1)], { stdio: 'inherit' });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGINT' && isatty(0)) return;
    child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`dataledger: cannot start ${process.execPath} with ${EXNREF_FLAG}: ${err.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // Die by the child's signal: only without a listener does it take the default action.
      for (const s of signals) process.off(s, forward);
      process.kill(process.pid, signal);
    } else {
      // The listeners stay (forwarding to an exited child does nothing): removing them would
      // restore the default action, and a signal still on its way (npm passes Ctrl-C on to
      // this process after the whole group got it) would then end this process by that
      // signal during its exit instead of with the child's status.
      process.exit(code ?? 1);
    }
  });
  return new Promise<never>(() => {});
}
