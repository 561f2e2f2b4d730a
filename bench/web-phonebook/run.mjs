// The web phonebook in Chromium next to the terminal phonebook, one run (docs/benchmarks.md "Web
// phonebook"): login handshake page vs terminal, call setup page → terminal, terminal → page and
// terminal → terminal, each with a freshly started terminal phonebook per call and between warm programs.
// The scenario is examples/web-phonebook/scripts/bench.ts (bundled here with esbuild).
//
//   npm run build && node bench/web-phonebook/run.mjs [--rounds N]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const i = process.argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;
const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..', 'examples', 'web-phonebook');
const out = await mkdtemp(join(pkg, 'dist', 'bench-'));
const temp = await mkdtemp(join(tmpdir(), 'leitung-web-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x === undefined ? '—' : x.toFixed(1));
try {
  const file = join(out, 'bench.mjs');
  await build({
    entryPoints: [join(pkg, 'scripts', 'bench.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: file,
    logLevel: 'warning',
  });
  const { runBench, REST_MS, PRESS_MS } = await import(pathToFileURL(file).href);
  const loadBefore = loadavg()[0];
  const f = await runBench(temp, rounds);
  const loadAfter = loadavg()[0];
  const page = median(f.pageHandshakeMs);
  const terminal = median(f.terminalHandshakeMs);
  console.log(
    `\n${rounds} rounds, medians (ms), loopback; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('| measure                                      | page      | terminal | page/terminal |');
  console.log('| -------------------------------------------- | --------- | -------- | ------------- |');
  console.log(
    `| login handshake (connect → verified WELCOME)  | ${ms(page).padStart(9)} | ${ms(terminal).padStart(8)} | ${(page / terminal).toFixed(2).padStart(13)} |`,
  );
  // One table per definition of call setup: the three directions, and each against terminal → terminal.
  const directions = (title, [pageToTerminal, terminalToPage, terminalToTerminal]) => {
    const reference = median(terminalToTerminal);
    console.log(`\n| ${title} | median | all rounds | vs terminal → terminal |`);
    console.log('| --- | ------ | ---------- | ---------------------- |');
    for (const [what, xs] of [
      ['page → terminal', pageToTerminal],
      ['terminal → page', terminalToPage],
      ['terminal → terminal', terminalToTerminal],
    ]) {
      const m = median(xs);
      console.log(
        `| ${what} | ${ms(m).padStart(6)} | ${xs.map((x) => x.toFixed(0)).join(' ')} | ${(m / reference).toFixed(2).padStart(22)} |`,
      );
    }
  };
  directions('call connected (dial → both media lanes bound)', [
    f.pageToTerminalConnectedMs,
    f.terminalToPageConnectedMs,
    f.terminalToTerminalConnectedMs,
  ]);
  directions('call setup (dial → first decoded frame at the callee)', [
    f.pageToTerminalMs,
    f.terminalToPageMs,
    f.terminalToTerminalMs,
  ]);
  // The same between warm programs: each terminal process's first call not counted (--calls).
  directions('warm: call connected (dial → both media lanes bound)', [
    f.warm.pageToTerminalConnectedMs,
    f.warm.terminalToPageConnectedMs,
    f.warm.terminalToTerminalConnectedMs,
  ]);
  directions('warm: call setup (dial → first decoded frame at the callee)', [
    f.warm.pageToTerminalMs,
    f.warm.terminalToPageMs,
    f.warm.terminalToTerminalMs,
  ]);
  const xs = (values) => values.map((x) => x.toFixed(0)).join(' ');
  console.log(
    `\nthe page dials as a person clicks: the pointer resting ${REST_MS} ms on Call, then a ${PRESS_MS} ms press ` +
      `(the offer prepared on the hover, the key lookup sent at the press). With an automated click instead ` +
      `(pressed and released at once), warm page → terminal: connected ${ms(median(f.warm.pageToTerminalInstantConnectedMs))} ` +
      `(${xs(f.warm.pageToTerminalInstantConnectedMs)}), first decoded frame ${ms(median(f.warm.pageToTerminalInstantMs))} ` +
      `(${xs(f.warm.pageToTerminalInstantMs)}), offer sent ${ms(median(f.warm.pageInstantOfferSentMs))} ms after the click`,
  );
  console.log(
    "\nthe terminal callee's steps, ms after the dial (medians): incoming · accepted · media bound · first frame",
  );
  for (const [who, steps] of [
    ['page caller', f.calleeStepsFromPage],
    ['terminal caller', f.calleeStepsFromTerminal],
    ['page caller, warm', f.warm.calleeStepsFromPage],
    ['terminal caller, warm', f.warm.calleeStepsFromTerminal],
  ]) {
    const step = (k) => ms(median(steps.map((s) => s[k])));
    console.log(
      `  ${who.padEnd(22)} ${step('incoming')} · ${step('accepted')} · ${step('bound')} · ${step('firstFrame')}`,
    );
  }
  const pageStep = (k) => ms(median(f.pageCallerSteps.map((s) => s[k])));
  console.log(
    `  the page caller, warm: offer sent ${pageStep('offerSent')} · answer confirmed ${pageStep('accepted')}`,
  );
  console.log(
    `\npage start() → registered, the relay probe included (median): ${ms(median(f.pageRegistrationMs))} ms`,
  );
  console.log(`RSA-4096 key generation in the page (first run): ${ms(f.pageKeygenMs)} ms`);
  console.log(
    `page handshakes: ${f.pageHandshakeMs.map((x) => x.toFixed(0)).join(' ')}; terminal: ${f.terminalHandshakeMs.map((x) => x.toFixed(0)).join(' ')}`,
  );
} finally {
  await rm(out, { recursive: true, force: true });
  await rm(temp, { recursive: true, force: true });
}
