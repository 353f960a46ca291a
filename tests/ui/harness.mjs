// Test harness for the dashboard: starts `baton serve` on a free loopback port with a temporary data dir,
// runs Baton's CLI against it, launches headless Debian Chromium through playwright-core, and waits for
// conditions with deadlines (never a bare sleep).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.BATON_BIN || join(REPO, 'target/debug/baton');
export const OUT = process.env.BATON_UI_OUT || join(REPO, 'target/ui-test-output');
mkdirSync(OUT, { recursive: true });

/** Polls `fn` until it returns a truthy value; fails with `what` after `ms`. */
export async function waitFor(fn, what, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/**
 * Starts `baton serve`; resolves once it printed its address. With `seed` ({ runs, logs }), `baton seed` first
 * fills the new data dir (SQLite only, before the server opens it).
 */
export async function startBaton({ bin = BIN, args = [], seed = null } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'baton-ui-'));
  if (seed) {
    const r = spawnSync(bin, ['seed', '--home', join(home, 'data'), '--runs', String(seed.runs), '--logs', String(seed.logs ?? 0)],
      { cwd: home, env: { ...process.env, RUST_LOG: 'warn' }, encoding: 'utf8', timeout: 300000 });
    if (r.status !== 0) {
      rmSync(home, { recursive: true, force: true });
      throw new Error(`baton seed failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  }
  const child = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0', '--home', join(home, 'data'), ...args], {
    cwd: home, env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`baton serve did not start:\n${output}`)), 20000);
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/Baton API (http:\/\/127\.0\.0\.1:\d+)\/api/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`baton serve exited (${code}):\n${output}`)); });
  });
  const api = `${url}/api`;
  const baton = {
    url, api, home, bin,
    /** Runs Baton's CLI against this server; returns stdout, failing on a non-zero exit. */
    cli(cliArgs, { allowFail = false } = {}) {
      const r = spawnSync(bin, cliArgs, { cwd: home, env: { ...process.env, BATON_API_URL: api }, encoding: 'utf8', timeout: 60000 });
      if (r.status !== 0 && !allowFail) throw new Error(`baton ${cliArgs.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    async request(method, path, body) {
      const res = await fetch(`${api}${path}`, {
        method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    get: (path) => baton.request('GET', path),
    post: (path, body = {}) => baton.request('POST', path, body),
    /** Stops the server this harness started (by its pid) and removes its data dir. */
    async stop() {
      if (child.exitCode === null && child.pid > 1) {
        child.kill('SIGTERM');
        let timer;
        const exited = await Promise.race([
          new Promise((r) => child.once('exit', () => r(true))),
          new Promise((r) => { timer = setTimeout(() => r(false), 10000); }),
        ]);
        clearTimeout(timer); // a pending timer would keep the test file's process alive for its 10 s
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
  return baton;
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A new page that records console errors and uncaught exceptions; `page.problems()` returns them.
 * `colorScheme` and `viewport` set the emulated display.
 */
export async function openPage(browser, { colorScheme = 'light', viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ colorScheme, viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.problems = () => problems;
  page.setDefaultTimeout(15000);
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

/**
 * The visible text on the page whose contrast with what is behind it (background colours composited up to
 * the page, text dimmed by its opacity) is under `least` to 1 (WCAG's ratio), each as "ratio tag.class
 * "text" colour on background". Disabled controls and text hidden for screen readers are left out.
 */
export function lowContrast(page, least) {
  return page.evaluate((min) => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || '');
      if (!m) return null;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top, under, alpha = top[3]) => [0, 1, 2].map((i) => top[i] * alpha + under[i] * (1 - alpha)).concat(1);
    const lum = (rgb) => {
      const [r, g, b] = rgb.slice(0, 3).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const behind = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
      }
      return layers.reverse().reduce((acc, l) => over(l, acc), [255, 255, 255, 1]);
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const cs = getComputedStyle(el);
      if (!el.getClientRects().length || cs.visibility === 'hidden' || el.closest('.sr-only, :disabled, option')) continue;
      let opacity = 1;
      for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const bg = behind(el);
      const ink = parse(el instanceof SVGElement ? cs.fill : cs.color);
      if (!ink) continue;
      const fg = over(ink, bg, ink[3] * opacity);
      const [a, b] = [lum(fg), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < min) out.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).trim().replace(/\s+/g, '.')} "${el.textContent.trim().slice(0, 40)}" ${cs.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')})`);
    }
    return out;
  }, least);
}
