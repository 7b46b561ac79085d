/**
 * A dataledger server in its own process, for the crash test: serves the data dir given
 * as argv[2] on 127.0.0.1 and prints `PORT <n>` once listening.
 */
import { buildApp, openService } from '@dataledger/service';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: http-server-child.ts DATA_DIR');
const service = await openService({ dataDir: dir });
const app = await buildApp({ service, closeService: true });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
process.stdout.write(`PORT ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
