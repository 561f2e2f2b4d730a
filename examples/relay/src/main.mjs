#!/usr/bin/env -S node --max-semi-space-size=1
// leitung-relay: runs one Leitung relay (docs/operations.md). Control on TCP, media on UDP, the key
// directory in SQLite under --data, Prometheus metrics on loopback, logs on stderr (readable lines on a
// terminal, JSON lines otherwise: --log-format).
//
// --max-semi-space-size=1 (MB) keeps V8's young generation small. Every received UDP datagram is a new
// ArrayBuffer, and a scavenge sweeps all of them at once: with the default (growing) young generation a
// scavenge comes every ~250 ms at 50 k packets/s and pauses forwarding for 2–4 ms, which is the relay's
// p99 latency; with 1 MB it comes every ~30 ms and pauses well under a millisecond (bench/relay).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createRelayLogger,
  parseClusterMembers,
  RelayError,
  RelayErrorCode,
  startRelay,
} from '@leitung/relay';
import pretty from 'pino-pretty';

const require = createRequire(import.meta.url);

const HELP = `Usage: leitung-relay [options]

Runs a Leitung relay: registration and key directory (control, TCP) and media forwarding (UDP).

Options:
  --host ADDR          address to listen on (default 127.0.0.1)
  --port PORT          control TCP port (default 5060; 0 picks a free port)
  --media-port PORT    media UDP port (default 5061; 0 picks a free port)
  --data DIR           data directory: relay key and directory database (default ./leitung-relay-data)
  --ws-port PORT       also listen for WebSocket clients (browsers) on this TCP port: control on
                       /control, media on /media (off unless given; 0 picks a free port)
  --ws-origin ORIGIN   with --ws-port: only pages of this origin (https://app.example) may connect;
                       repeat for several (default: any origin)
  --ws-public-url URL  with --ws-port: the ws:// or wss:// URL written to --info-out (e.g. behind a TLS
                       proxy; default ws://HOST:PORT)
  --metrics-port PORT  serve Prometheus metrics on 127.0.0.1:PORT/metrics (off unless given)
  --info-out FILE      write this relay's relay-list entry {host, port, mediaPort, fingerprint} as JSON
  --blocklist FILE     blocked IP addresses, subnets and key fingerprints; re-read on SIGHUP
  --redis URL          join a relay cluster on Redis (redis://host:port): one directory, presence and
                       call routing shared with the other relays (docs/operations.md "Relay cluster")
  --cluster-id NAME    the cluster's name (default leitung); its log id is SHA3-256 of NAME
  --cluster-members FILE  required with --redis: the key fingerprints of every relay of the cluster
                       (this one included), one per line; only entries they signed are applied
  --new-names-per-address N
                       new name bindings per hour from one IPv4 address / IPv6 /64 (default 5, burst 10)
  --new-names-global N new name bindings per hour from all addresses together (default 900, burst 100)
  --crypto-workers N   run the RSA decryptions of registration on N worker threads, at most one per
                       core (default 0: on the relay's own thread; docs/relay.md "Crypto workers")
  --media-io MODE      auto (default: the native media plane where its addon was built, else node:dgram),
                       native, batched or dgram (docs/relay.md "Native media plane", "Batched media I/O")
  --media-thread-nice=N
                       the nice value the native plane's media thread asks for, -20 to 19 (default -10;
                       granted to root, with CAP_SYS_NICE or within LimitNICE=, else a warning); write
                       a negative N with "=" (--media-thread-nice=-5)
  --log-level LEVEL    trace, debug, info, warn, error, fatal or silent (default info)
  --log-format FORMAT  pretty (readable lines) or json (one JSON object per line); default: pretty
                       when stderr is a terminal, json otherwise (files, journald, log shippers)
  --log-metadata       DEBUGGING ONLY: also log communication metadata — client ids and names,
                       presence, who called whom, media addresses (off: calls are only counted)
  --version            print the versions of the program, @leitung/relay and Node.js
  --help               show this help

Signals: SIGHUP reloads the blocklist; SIGINT and SIGTERM end open calls, close every connection and
the database, and exit.
`;

function fail(message) {
  console.error(`leitung-relay: ${message}`);
  console.error('Try --help.');
  process.exit(2);
}

function port(value, name, fallback) {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) fail(`${name} must be a port number (0-65535)`);
  return Number(value);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'media-port': { type: 'string' },
      data: { type: 'string' },
      'metrics-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'ws-origin': { type: 'string', multiple: true },
      'ws-public-url': { type: 'string' },
      'info-out': { type: 'string' },
      blocklist: { type: 'string' },
      redis: { type: 'string' },
      'cluster-id': { type: 'string' },
      'cluster-members': { type: 'string' },
      'new-names-per-address': { type: 'string' },
      'new-names-global': { type: 'string' },
      'crypto-workers': { type: 'string' },
      'media-io': { type: 'string' },
      'media-thread-nice': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'log-metadata': { type: 'boolean' },
      help: { type: 'boolean' },
      version: { type: 'boolean' },
    },
    strict: true,
  });
} catch (error) {
  fail(error.message);
}
const args = parsed.values;
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (args.version) {
  const program = require('../package.json').version;
  const library = require('@leitung/relay/package.json').version;
  console.log(`leitung-relay ${program} (@leitung/relay ${library}, Node.js ${process.version})`);
  process.exit(0);
}
const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const level = args['log-level'] ?? 'info';
if (!levels.includes(level)) fail(`--log-level must be one of ${levels.join(', ')}`);
const format = args['log-format'] ?? (process.stderr.isTTY ? 'pretty' : 'json');
if (format !== 'pretty' && format !== 'json') fail('--log-format must be pretty or json');
if (args.redis !== undefined && !/^rediss?:\/\/./.test(args.redis)) fail('--redis must be a redis:// URL');
if (args['cluster-id'] !== undefined && args.redis === undefined) fail('--cluster-id needs --redis');
if (args['ws-origin'] !== undefined && args['ws-port'] === undefined) fail('--ws-origin needs --ws-port');
if (args['ws-public-url'] !== undefined && args['ws-port'] === undefined)
  fail('--ws-public-url needs --ws-port');
if (args['cluster-members'] !== undefined && args.redis === undefined)
  fail('--cluster-members needs --redis');
if (args.redis !== undefined && args['cluster-members'] === undefined) {
  fail('--redis needs --cluster-members FILE (the fingerprints of the cluster relays)');
}
if (args['cluster-id'] !== undefined && !/^[\w.-]{1,64}$/.test(args['cluster-id'])) {
  fail('--cluster-id must be 1-64 letters, digits, ".", "_" or "-"');
}

// Registration budgets (docs/relay.md "Registration budgets"): N per hour, and a burst of N.
function perHour(value, name) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) {
    fail(`${name} must be a whole number of names per hour (1-1000000)`);
  }
  return { perSecond: Number(value) / 3600, burst: Number(value) };
}
const cryptoWorkers = args['crypto-workers'] ?? '0';
if (!/^\d{1,3}$/.test(cryptoWorkers)) fail('--crypto-workers must be a whole number of threads (0-999)');
const mediaIo = args['media-io'] ?? 'auto';
if (!['auto', 'native', 'batched', 'dgram'].includes(mediaIo)) {
  fail('--media-io must be auto, native, batched or dgram');
}
const mediaThreadNice = args['media-thread-nice'];
if (
  mediaThreadNice !== undefined &&
  (!/^-?\d{1,2}$/.test(mediaThreadNice) || Number(mediaThreadNice) < -20 || Number(mediaThreadNice) > 19)
) {
  fail('--media-thread-nice must be a whole number from -20 to 19');
}
const limits = {};
const perAddress = perHour(args['new-names-per-address'], '--new-names-per-address');
const global = perHour(args['new-names-global'], '--new-names-global');
if (perAddress !== undefined) limits.newNamesPerAddress = perAddress;
if (global !== undefined) limits.newNamesGlobal = global;

// pino-pretty as a stream in this thread (no transport worker): lines reach the terminal in order with stdout.
const destination =
  format === 'pretty'
    ? pretty({
        destination: 2,
        colorize: process.stderr.isTTY,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
      })
    : process.stderr;
const logger = createRelayLogger({ level, destination });
function readMembers(path) {
  let text;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new RelayError(RelayErrorCode.InvalidOption, `cannot read --cluster-members ${path}`, {
      cause: error,
    });
  }
  return parseClusterMembers(text);
}

let relay;
try {
  relay = await startRelay({
    host: args.host ?? '127.0.0.1',
    port: port(args.port, '--port', 5060),
    mediaPort: port(args['media-port'], '--media-port', 5061),
    dataDir: resolve(args.data ?? 'leitung-relay-data'),
    ...(args['metrics-port'] === undefined
      ? {}
      : { metricsPort: port(args['metrics-port'], '--metrics-port') }),
    ...(args['ws-port'] === undefined
      ? {}
      : {
          webSocket: {
            port: port(args['ws-port'], '--ws-port'),
            ...(args['ws-origin'] === undefined ? {} : { allowedOrigins: args['ws-origin'] }),
            ...(args['ws-public-url'] === undefined ? {} : { publicUrl: args['ws-public-url'] }),
          },
        }),
    ...(args.blocklist === undefined ? {} : { blocklistFile: resolve(args.blocklist) }),
    cryptoWorkers: Number(cryptoWorkers),
    mediaIo,
    ...(mediaThreadNice === undefined ? {} : { mediaThreadNice: Number(mediaThreadNice) }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(args.redis === undefined
      ? {}
      : {
          cluster: {
            redisUrl: args.redis,
            members: readMembers(args['cluster-members']),
            ...(args['cluster-id'] === undefined ? {} : { clusterId: args['cluster-id'] }),
          },
        }),
    logger,
    logMetadata: args['log-metadata'] === true,
  });
} catch (error) {
  // The reason in words, the stable code once after it (docs/errors.md); never a stack.
  const code = error instanceof RelayError ? ` (${error.code})` : '';
  console.error(`leitung-relay: cannot start: ${error.message}${code}`);
  process.exit(1);
}

const info = relay.info();
if (args['info-out']) {
  const file = resolve(args['info-out']);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
console.log(`leitung-relay fingerprint ${info.fingerprint}`);
console.log(`leitung-relay control tcp ${info.host}:${info.port}`);
console.log(`leitung-relay media udp ${info.host}:${info.mediaPort}`);
if (info.webSocket !== undefined) console.log(`leitung-relay websocket ${info.webSocket}`);
if (relay.metricsPort !== undefined)
  console.log(`leitung-relay metrics http://127.0.0.1:${relay.metricsPort}/metrics`);
console.log(`leitung-relay data ${relay.dataDir}`);
if (info.logId !== undefined) console.log(`leitung-relay cluster log ${info.logId}`);
console.log('leitung-relay ready');

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`leitung-relay stopping (${signal})`);
  await relay.close();
  console.log('leitung-relay stopped');
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => {
  const ok = relay.reloadBlocklist();
  console.log(ok ? 'leitung-relay blocklist reloaded' : 'leitung-relay blocklist not reloaded (see log)');
});
