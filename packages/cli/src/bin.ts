#!/usr/bin/env node
/**
 * The `dataledger` executable: parses the command line and runs it. All logic lives in the
 * command modules (see `program.ts`); this file only wires the process to them.
 */
import { needsExnrefRelaunch, relaunchWithExnref } from './exnref.ts';

// Node 22.0–22.18 load node-seal only with a V8 flag: start again with it before loading the
// commands (they are imported below, after this check, so the first process stays light).
if (needsExnrefRelaunch()) await relaunchWithExnref();

const { processIo } = await import('./io.ts');
const { runCli } = await import('./program.ts');

// A reader that stops early (`dataledger verify --help | head`) closes the pipe: that is not
// an error of ours, so end quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const io = processIo();
const status = await runCli(process.argv.slice(2), io);
io.finished();
process.exitCode = status;
if (io.stopRequested) {
  // Stopped by a signal (a server has closed its store): end now, while this process still
  // catches signals. Left to end by itself, Node closes its signal handlers while it tears
  // down, and a signal still on its way then ends the process by that signal instead of with
  // its status: under `npm start`, Ctrl-C reaches the server twice, from the terminal and
  // passed on by npm, which then ends by SIGINT too. Output is written first.
  const flushed = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(status);
}
// Every command has finished its work (a server has closed its store) by now. Should a
// library leave a handle open, do not hang: the unref'd timer fires only in that case.
setTimeout(() => process.exit(status), 2000).unref();
