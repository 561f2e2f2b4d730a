// scripts/profile-probe.ts
import { writeFile as writeFile3, mkdtemp as mkdtemp2 } from "node:fs/promises";
import { tmpdir as tmpdir2 } from "node:os";
import { join as join7 } from "node:path";

// src/node/relay-process.ts
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
var STOP_GRACE_MS = 5e3;
async function startRelayProcess(options) {
  await mkdir(options.dataDir, { recursive: true, mode: 448 });
  if (options.keyPem !== void 0) {
    await writeFile(join(options.dataDir, "relay-key.pem"), options.keyPem, { mode: 384 });
  }
  const infoFile = join(options.dataDir, "relay-info.json");
  await rm(infoFile, { force: true });
  const ports = options.ports ?? { port: 0, mediaPort: 0, wsPort: 0 };
  const args = [
    options.program,
    ...["--host", "127.0.0.1", "--port", String(ports.port), "--media-port", String(ports.mediaPort)],
    ...["--ws-port", String(ports.wsPort)],
    ...["--ws-origin", options.origin, "--data", options.dataDir, "--info-out", infoFile],
    ...["--log-level", "warn", "--log-format", "json"]
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4e3);
  });
  const exited = new Promise((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 3e4);
  for (; ; ) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`leitung-relay exited before it was ready: ${stderr.trim().split("\n").at(-1) ?? ""}`);
    }
    const entry = await readEntry(infoFile);
    if (entry !== void 0) return { entry, child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error("leitung-relay did not write its relay-list entry in time");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
async function readEntry(file) {
  try {
    const value = JSON.parse(await readFile(file, "utf8"));
    return typeof value.webSocket === "string" ? value : void 0;
  } catch {
    return void 0;
  }
}

// src/node/static-server.ts
import { readFile as readFile2 } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join as join2, normalize, sep } from "node:path";
var TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".json": "application/json"
};
async function startPageServer(root2, port = 0) {
  let relays = "[]";
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const send = (status, type2, body) => {
      response.writeHead(status, { "content-type": type2, "cache-control": "no-store" });
      response.end(body);
    };
    if (request.method !== "GET") return send(405, "text/plain", "method not allowed");
    if (path === "/relays.json") return send(200, TYPES[".json"], relays);
    const file = normalize(join2(root2, path === "/" ? "index.html" : path));
    if (!file.startsWith(root2 + sep)) return send(404, "text/plain", "not found");
    const type = TYPES[extname(file)];
    if (type === void 0) return send(404, "text/plain", "not found");
    readFile2(file).then(
      (body) => send(200, type, body),
      () => send(404, "text/plain", "not found")
    );
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return {
    origin: `http://127.0.0.1:${address.port}`,
    setRelays: (entries) => {
      relays = JSON.stringify(entries);
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })
  };
}

// test/support/identities.ts
import { createPrivateKey } from "node:crypto";
import { writeFile as writeFile2 } from "node:fs/promises";
import { join as join4 } from "node:path";

// ../../scripts/test-keys.mjs
import { generateKeyPair } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join as join3 } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
var generate = promisify(generateKeyPair);
var root = join3(dirname(fileURLToPath(import.meta.url)), "..");
var TEST_KEY_DIR = join3(root, "node_modules", ".cache", "leitung-test-keys");
var inFlight = /* @__PURE__ */ new Map();
function testKeyPair(name) {
  if (!/^[a-z0-9-]{1,40}$/.test(name)) throw new Error(`bad test key name: ${name}`);
  let pending = inFlight.get(name);
  if (!pending) {
    pending = load(name);
    inFlight.set(name, pending);
  }
  return pending;
}
async function load(name) {
  const file = join3(TEST_KEY_DIR, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
  }
  const { publicKey, privateKey } = await generate("rsa", {
    modulusLength: 4096,
    publicExponent: 65537,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  });
  const pair = { publicKeyPem: publicKey, privateKeyPem: privateKey };
  mkdirSync(TEST_KEY_DIR, { recursive: true, mode: 448 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(pair), { mode: 384 });
  renameSync(tmp, file);
  return pair;
}
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  await Promise.all(names.map((n) => testKeyPair(n)));
  console.log(`test keys ready in ${TEST_KEY_DIR}: ${names.join(", ")}`);
}

// test/support/identities.ts
var TERMINAL_PASSPHRASE = "terminal phonebook test passphrase";
async function writeEncryptedIdentity(dir, keyName) {
  const { privateKeyPem } = await testKeyPair(keyName);
  const pem = createPrivateKey(privateKeyPem).export({
    type: "pkcs8",
    format: "pem",
    cipher: "aes-256-cbc",
    passphrase: TERMINAL_PASSPHRASE
  });
  const path = join4(dir, `${keyName}.pem`);
  await writeFile2(path, pem, { mode: 384 });
  return path;
}
async function relayKeyPem() {
  return (await testKeyPair("relay")).privateKeyPem;
}

// ../../tests/browser/launch-chromium.ts
import { mkdtemp, rm as rm2 } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join as join5 } from "node:path";
import { chromium } from "playwright-core";
var CHROMIUM_PATH = process.env.LEITUNG_CHROMIUM ?? "/usr/bin/chromium";
var CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];
var CHROMIUM_SKIP_NOTICE = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium; CI installs it)`;
async function launchChromium(options = {}) {
  const profile = await mkdtemp(join5(tmpdir(), "leitung-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...options.args ?? []]
    });
  } catch (error) {
    await rm2(profile, { recursive: true, force: true });
    throw error;
  }
  let closed;
  return {
    context,
    close: () => {
      closed ??= context.close().finally(() => rm2(profile, { recursive: true, force: true }));
      return closed;
    }
  };
}

// test/support/launch-chromium.ts
function launchMediaChromium(options = {}) {
  return launchChromium({
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
      ...options.fakeAudio === void 0 ? [] : [`--use-file-for-fake-audio-capture=${options.fakeAudio}`]
    ]
  });
}

// test/support/terminal-phonebook.ts
import { spawn as spawn2 } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname as dirname2, join as join6 } from "node:path";
function repoRoot(from) {
  let dir = from;
  while (!existsSync(join6(dir, "package-lock.json")) && dirname2(dir) !== dir) dir = dirname2(dir);
  return dir;
}
var REPO_ROOT = repoRoot(import.meta.dirname);
var PHONEBOOK_PROGRAM = join6(REPO_ROOT, "examples", "phonebook", "dist", "main.js");
var RELAY_PROGRAM = join6(REPO_ROOT, "examples", "relay", "src", "main.mjs");
var programsBuilt = existsSync(PHONEBOOK_PROGRAM) && existsSync(join6(REPO_ROOT, "packages", "relay", "dist", "index.js"));
var running = /* @__PURE__ */ new Set();
function startTerminalPhonebook(args, passphrase) {
  const child = spawn2(process.execPath, [PHONEBOOK_PROGRAM, "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LEITUNG_PASSPHRASE: passphrase }
  });
  running.add(child);
  const events = [];
  const waiters = /* @__PURE__ */ new Set();
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk.toString("utf8");
    let newline = stdout.indexOf("\n");
    while (newline >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      newline = stdout.indexOf("\n");
      if (!line.startsWith("{")) continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        continue;
      }
      for (const w of [...waiters]) w();
    }
  });
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8e3);
  });
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      for (const w of [...waiters]) w();
      resolve(code ?? signal ?? "unknown");
    });
  });
  return {
    events,
    exited,
    stderr: () => stderr,
    waitFor: (event, timeoutMs, nth = 1) => new Promise((resolve, reject) => {
      const check = () => {
        const found = events.filter((e) => e.event === event)[nth - 1];
        if (found !== void 0) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`the phonebook exited without ${event}: ${lastError(events, stderr)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${event} within ${timeoutMs} ms: ${lastError(events, stderr)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    })
  };
}
function lastError(events, stderr) {
  const error = [...events].reverse().find((e) => e.event === "error");
  return error === void 0 ? stderr.trim().split("\n").at(-1) ?? "" : JSON.stringify(error);
}
async function stopAllTerminalPhonebooks() {
  await Promise.all(
    [...running].map(
      (child) => new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5e3);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      })
    )
  );
}

// scripts/profile-probe.ts
async function probe(calls, profileFile) {
  const temp = await mkdtemp2(join7(tmpdir2(), "prof-"));
  const bobKey = await writeEncryptedIdentity(temp, "bob");
  const server = await startPageServer(join7(REPO_ROOT, "examples", "web-phonebook", "dist", "www"));
  const relay = await startRelayProcess({ program: RELAY_PROGRAM, dataDir: join7(temp, "relay"), origin: server.origin, keyPem: await relayKeyPem() });
  server.setRelays([relay.entry]);
  const relaysFile = join7(temp, "relays.json");
  await writeFile3(relaysFile, JSON.stringify([relay.entry]));
  const t = (name, x) => startTerminalPhonebook(["--data", join7(temp, name), "--relays", relaysFile, "--timeout", "40", "--tone", ...x], TERMINAL_PASSPHRASE);
  const browser = await launchMediaChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.origin);
    await page.fill("#passphrase", "pass phrase for the probe");
    await page.fill("#name", "alice");
    await page.click("button[type=submit]");
    await page.waitForSelector("header", { timeout: 6e4 });
    await t("bob", ["--name", "bob", "--import-identity", bobKey, "--duration", "1"]).exited;
    const callee = t("bob", ["--auto-answer", "--calls", String(calls), "--output", join7(temp, "bob.wav")]);
    await callee.waitFor("registration:complete", 4e4);
    await new Promise((r) => setTimeout(r, 300));
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    const windows = [];
    const profiles = [];
    for (let n = 1; n <= calls; n++) {
      await new Promise((r) => setTimeout(r, 1100));
      if (n >= 2 && process.env.PROF) await cdp.send("Profiler.start");
      const button = page.getByRole("button", { name: "Call bob" });
      await button.waitFor({ timeout: 2e4 });
      await button.click();
      const first = await callee.waitFor("media:first-frame", 2e4, n).catch(async (e) => {
        console.log("PAGE:", await page.evaluate(() => document.body.textContent));
        console.log("CALLEE:", callee.events.slice(-12).map((e2) => JSON.stringify(e2)).join("\n"));
        throw e;
      });
      const m = await page.evaluate(() => window.leitungMarks);
      const bound = callee.events.filter((e) => e.event === "media:bound")[n - 1].t;
      const inc = callee.events.filter((e) => e.event === "call:incoming")[n - 1].t;
      console.log(`call ${n}: offer ${(m.offerSentAt - m.dialAt).toFixed(1)} callee incoming ${(inc - m.dialAt).toFixed(1)} accepted(page) ${(m.acceptedAt - m.dialAt).toFixed(1)} page bound ${(m.boundAt - m.dialAt).toFixed(1)} callee bound ${(bound - m.dialAt).toFixed(1)} first ${(first.firstDecodedAt - m.dialAt).toFixed(1)}`);
      if (n >= 2) windows.push([m.dialAt, Math.max(m.boundAt, bound)]);
      if (n >= 2 && process.env.PROF) profiles.push((await cdp.send("Profiler.stop")).profile);
      await page.getByRole("button", { name: "Hang up" }).click();
      await callee.waitFor("call:stats", 2e4, n);
    }
    const profile = profiles;
    const timeOrigin = await page.evaluate(() => performance.timeOrigin);
    await writeFile3(profileFile, JSON.stringify({ profile, windows, timeOrigin }));
    await callee.exited;
  } finally {
    await stopAllTerminalPhonebooks();
    await browser.close();
    await relay.stop();
    await server.close();
  }
}
export {
  probe
};
