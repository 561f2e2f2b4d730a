/**
 * SecurityMonitor (docs/design.md §7): reports what weakens the protection of keys in this process —
 * a debugger attached (TracerPid), core dumps enabled, unrestricted ptrace, the Node inspector, NODE_OPTIONS
 * that load code, LD_PRELOAD, vault file permissions, running as root — as typed findings with a severity,
 * emitted as `security:finding` events. Linux only (it reads /proc); elsewhere it reports one
 * `unsupported-platform` finding and does nothing else, so callers never mistake silence for safety.
 *
 * It observes; it does not harden (no prctl from Node). The strict vault policy uses `debuggerAttached()`
 * to refuse unlocking while traced. `pid` lets a parent inspect another process (tests inspect children).
 */
import { readFileSync, statSync } from 'node:fs';
import inspector from 'node:inspector';
import { EventEmitter } from 'eventemitter3';
import { disableInspectorSignal } from './inspector-signal.js';
import {
  environValue,
  inspectorFlags,
  parseCoreLimit,
  parseRealUid,
  parseTracerPid,
  riskyNodeOptions,
  splitNul,
} from './proc-parsers.js';

/** What a {@link SecurityFinding} is about; the table in docs/client.md "SecurityMonitor findings" explains each. */
export type FindingCode =
  | 'debugger-attached'
  | 'core-dumps-enabled'
  | 'ptrace-unrestricted'
  | 'inspector-enabled'
  | 'inspector-signal'
  | 'node-options'
  | 'ld-preload'
  | 'vault-permissions'
  | 'running-as-root'
  | 'unsupported-platform';

/**
 * How badly a finding weakens the protection of keys: `critical` (keys can be read now: a debugger or the
 * inspector), `high`, `medium`, `low`, `info` (nothing checked, e.g. not Linux).
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * One thing that weakens the protection of keys in the process (`security:finding`): reported once per
 * condition while the monitor runs (docs/client.md "SecurityMonitor findings").
 */
export interface SecurityFinding {
  readonly type: 'security:finding';
  /** What was found. */
  readonly code: FindingCode;
  /** How serious it is. */
  readonly severity: Severity;
  /** Human-readable; never key material. */
  readonly message: string;
  /** The evidence (e.g. the tracer's pid and name, the offending flag); never key material. */
  readonly detail?: Readonly<Record<string, string | number>>;
}

/** Where and how often the {@link SecurityMonitor} looks; every default is this process on this machine. */
export interface SecurityMonitorOptions {
  /** Default `process.platform`. */
  readonly platform?: string;
  /** Inspect this process instead of the current one (via /proc/PID). */
  readonly pid?: number;
  /** Root of procfs (default `/proc`). */
  readonly procRoot?: string;
  /** The vault file whose permissions to check. */
  readonly vaultPath?: string;
  /** Period of `start()` scans (default 10 000 ms). */
  readonly intervalMs?: number;
  /** File reader (default fs.readFileSync as UTF-8); undefined when the file cannot be read. */
  readonly readFile?: (path: string) => string | undefined;
}

/** The monitor's one event: `security:finding`, once per new finding. */
export type SecurityMonitorEvents = { 'security:finding': [SecurityFinding] };

/**
 * Linux process-hardening checks for a program that holds keys (docs/client.md "SecurityMonitor
 * findings"): a debugger or tracer attached, the inspector open or signalled, LD_PRELOAD, code-loading
 * NODE_OPTIONS, a vault readable by others, core dumps, unrestricted ptrace, running as root. It observes
 * only. `scan()` checks once; `start()` scans periodically and emits each new finding as
 * `security:finding` (the Client re-emits them). Elsewhere than Linux it reports `unsupported-platform`.
 */
export class SecurityMonitor extends EventEmitter<SecurityMonitorEvents> {
  /** Whether the checks run here (Linux); false means only `unsupported-platform` is reported. */
  readonly supported: boolean;
  readonly #options: SecurityMonitorOptions;
  readonly #proc: string;
  readonly #read: (path: string) => string | undefined;
  /** Keys of findings already emitted: periodic scans only report what is new. */
  readonly #reported = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  /** Reports SIGUSR1 (an attempt to open the inspector) while started; see inspector-signal.ts. */
  readonly #onInspectorSignal = (): void => {
    this.emit(
      'security:finding',
      finding(
        'inspector-signal',
        'critical',
        'SIGUSR1 received: someone tried to open the Node inspector (it stayed closed)',
        { signal: 'SIGUSR1', at: Date.now() },
      ),
    );
    this.scan();
  };

  constructor(options: SecurityMonitorOptions = {}) {
    super();
    this.#options = options;
    this.supported = (options.platform ?? process.platform) === 'linux';
    this.#proc = `${options.procRoot ?? '/proc'}/${options.pid ?? 'self'}`;
    this.#read = options.readFile ?? readText;
  }

  /** True when a tracer (debugger, strace, …) is attached; false when unknown or not on Linux. */
  debuggerAttached(): boolean {
    if (!this.supported) return false;
    const status = this.#read(`${this.#proc}/status`);
    const tracer = status === undefined ? undefined : parseTracerPid(status);
    return tracer !== undefined && tracer !== 0;
  }

  /** Runs every check; emits the findings not reported before and returns all current ones. */
  scan(): SecurityFinding[] {
    const findings = this.supported
      ? [
          ...this.#debugger(),
          ...this.#coreDumps(),
          ...this.#ptraceScope(),
          ...this.#inspector(),
          ...this.#nodeOptions(),
          ...this.#preload(),
          ...this.#vault(),
          ...this.#root(),
        ]
      : [
          finding(
            'unsupported-platform',
            'info',
            'security monitoring needs Linux /proc; nothing is checked here',
            {
              platform: this.#options.platform ?? process.platform,
            },
          ),
        ];
    for (const f of findings) {
      const key = `${f.code}:${JSON.stringify(f.detail ?? {})}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.emit('security:finding', f);
    }
    return findings;
  }

  /** Scans now and then periodically (Linux); on other platforms reports once and stops. */
  start(): void {
    // The inspector must stay closed even between scans: SIGUSR1 is made inert (and reported) at once.
    if (this.#self() && disableInspectorSignal()) {
      process.off('SIGUSR1', this.#onInspectorSignal);
      process.on('SIGUSR1', this.#onInspectorSignal);
    }
    this.scan();
    if (!this.supported || this.#timer) return;
    this.#timer = setInterval(() => this.scan(), this.#options.intervalMs ?? 10_000);
    this.#timer.unref();
  }

  /** Stops the periodic scans and the SIGUSR1 reporting (SIGUSR1 stays inert). */
  stop(): void {
    // Only the reporting listener goes; disableInspectorSignal's permanent one keeps SIGUSR1 inert.
    process.off('SIGUSR1', this.#onInspectorSignal);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #self(): boolean {
    return this.#options.pid === undefined || this.#options.pid === process.pid;
  }

  #debugger(): SecurityFinding[] {
    const status = this.#read(`${this.#proc}/status`);
    const tracer = status === undefined ? undefined : parseTracerPid(status);
    if (!tracer) return [];
    const comm = this.#read(`${this.#options.procRoot ?? '/proc'}/${tracer}/comm`)?.trim() ?? 'unknown';
    return [
      finding(
        'debugger-attached',
        'critical',
        'a debugger or tracer is attached and can read every key in memory',
        {
          tracerPid: tracer,
          tracer: comm,
        },
      ),
    ];
  }

  #coreDumps(): SecurityFinding[] {
    const limits = this.#read(`${this.#proc}/limits`);
    const limit = limits === undefined ? undefined : parseCoreLimit(limits);
    if (!limit) return [];
    const pattern = this.#read(`${this.#options.procRoot ?? '/proc'}/sys/kernel/core_pattern`)?.trim() ?? '';
    return [
      finding('core-dumps-enabled', 'medium', 'core dumps are enabled: a crash writes keys to disk', {
        limit: limit === Number.POSITIVE_INFINITY ? 'unlimited' : limit,
        corePattern: pattern,
      }),
    ];
  }

  #ptraceScope(): SecurityFinding[] {
    const scope = this.#read(`${this.#options.procRoot ?? '/proc'}/sys/kernel/yama/ptrace_scope`)?.trim();
    if (scope === undefined) {
      return [
        finding(
          'ptrace-unrestricted',
          'low',
          'Yama ptrace scope is not available: same-user processes may attach',
          {
            ptraceScope: 'absent',
          },
        ),
      ];
    }
    if (scope === '0') {
      return [
        finding('ptrace-unrestricted', 'medium', 'ptrace_scope is 0: any process of this user may attach', {
          ptraceScope: 0,
        }),
      ];
    }
    return [];
  }

  #args(): string[] {
    if (this.#self()) return [...process.execArgv];
    return splitNul(this.#read(`${this.#proc}/cmdline`) ?? '');
  }

  #env(name: string): string | undefined {
    if (this.#self()) return process.env[name];
    const environ = this.#read(`${this.#proc}/environ`);
    return environ === undefined ? undefined : environValue(environ, name);
  }

  #inspector(): SecurityFinding[] {
    const flags = inspectorFlags(this.#args());
    const nodeOptions = this.#env('NODE_OPTIONS') ?? '';
    const fromEnv = inspectorFlags(nodeOptions.split(/\s+/));
    const open = this.#self() && inspector.url() !== undefined;
    if (flags.length === 0 && fromEnv.length === 0 && !open) return [];
    return [
      finding(
        'inspector-enabled',
        'critical',
        'the Node inspector is enabled: a debugger can attach over the network',
        {
          flags: [...flags, ...fromEnv].join(' ') || 'inspector.open()',
        },
      ),
    ];
  }

  #nodeOptions(): SecurityFinding[] {
    const value = this.#env('NODE_OPTIONS');
    if (!value) return [];
    const risky = riskyNodeOptions(value);
    return [
      finding(
        'node-options',
        risky ? 'high' : 'low',
        risky ? 'NODE_OPTIONS loads code or opens the inspector' : 'NODE_OPTIONS is set',
        { length: value.length },
      ),
    ];
  }

  #preload(): SecurityFinding[] {
    const out: SecurityFinding[] = [];
    const env = this.#env('LD_PRELOAD');
    if (env)
      out.push(
        finding('ld-preload', 'high', 'LD_PRELOAD injects libraries into this process', { source: 'env' }),
      );
    const file = this.#read('/etc/ld.so.preload')?.trim();
    if (file) {
      out.push(
        finding('ld-preload', 'high', '/etc/ld.so.preload injects libraries into every process', {
          source: 'file',
        }),
      );
    }
    return out;
  }

  #vault(): SecurityFinding[] {
    const path = this.#options.vaultPath;
    if (path === undefined) return [];
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      return [];
    }
    if ((mode & 0o077) === 0) return [];
    return [
      finding('vault-permissions', 'high', 'the vault file is accessible to group or others', {
        mode: `0${mode.toString(8)}`,
      }),
    ];
  }

  #root(): SecurityFinding[] {
    let uid: number | undefined;
    if (this.#self()) uid = process.getuid?.();
    else {
      const status = this.#read(`${this.#proc}/status`);
      uid = status === undefined ? undefined : parseRealUid(status);
    }
    if (uid !== 0) return [];
    return [
      finding('running-as-root', 'medium', 'running as root: a compromise owns the whole machine', {
        uid: 0,
      }),
    ];
  }
}

function finding(
  code: FindingCode,
  severity: Severity,
  message: string,
  detail?: Record<string, string | number>,
): SecurityFinding {
  return { type: 'security:finding', code, severity, message, ...(detail === undefined ? {} : { detail }) };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
