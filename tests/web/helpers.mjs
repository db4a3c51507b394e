// Shared by the browser tests and the viewer benchmark: make a viewer page for
// a program, and drive Debian's Chromium with playwright-core (no browser is
// ever downloaded; the profile is a fresh temporary directory).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHtml } from './build_html.mjs';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const CHROMIUM = process.env.MEMVIEW_CHROMIUM || '/usr/bin/chromium';
export const MEMVIEW = process.env.MEMVIEW || join(ROOT, 'build', 'memview');
export const SHOTS = join(HERE, 'screenshots');

export const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function tempDir(prefix = 'memview-web-') {
    return mkdtempSync(join(tmpdir(), prefix));
}

let htmlFormat = null;   // does this memview write -f html itself?

// Run PROGRAM under memview and write its viewer page to out. Uses
// `memview run -f html` when the CLI has it, else `-f trace` and the same
// inlining in node (build_html.mjs). Extra memview options go in opts.
export function makeHtml(program, out, opts = []) {
    const run = (args) => spawnSync(MEMVIEW, ['run', ...opts, ...args, program],
                                    { encoding: 'utf8', cwd: dirname(program), maxBuffer: 1 << 28 });
    if (htmlFormat !== false) {
        const r = run(['-f', 'html', '-o', out]);
        if (existsSync(out)) {
            htmlFormat = true;
            return { via: 'memview -f html', status: r.status };
        }
        if (!/unknown format|html/.test(r.stderr || ''))
            throw new Error(`memview -f html failed (${r.status}): ${r.stderr}`);
        htmlFormat = false;
    }
    const json = out.replace(/\.html$/, '') + '.trace.json';
    const r = run(['-f', 'trace', '-o', json]);
    if (!existsSync(json))
        throw new Error(`memview -f trace failed (${r.status}): ${r.stderr}`);
    writeFileSync(out, buildHtml(readFileSync(json, 'utf8')));
    return { via: 'memview -f trace + build_html.mjs', status: r.status };
}

export async function launch(options = {}) {
    const { chromium } = await import('playwright-core');
    const profile = tempDir('memview-chromium-');
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 1000 },
        ...options,
    });
    const close = async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
    };
    return { context, close };
}

// Open a page and record what a hostile page could do: requests that are not
// file:/data:, dialogs, page errors and console errors.
export async function openPage(context, file) {
    const page = await context.newPage();
    const seen = { requests: [], dialogs: [], errors: [] };
    page.on('request', (r) => {
        const u = r.url();
        if (!u.startsWith('file:') && !u.startsWith('data:')) seen.requests.push(u);
    });
    page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
    await page.goto('file://' + file);
    await page.waitForFunction(() => window.memview && window.memview.steps() > 0);
    return { page, seen };
}

export async function screenshot(page, name) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}
