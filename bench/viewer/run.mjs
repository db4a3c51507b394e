// Viewer benchmark: record a 100,000-step run of loop.py, open its viewer page
// in Debian's Chromium, and report the time to open (HTML parse + trace parse +
// checkpoints + first step drawn, from navigation start) and the time to show
// each of 200 random steps (state rebuilt, page redrawn, layout forced).
// Reports; asserts nothing.
//
//   node bench/viewer/run.mjs [STEPS]      (needs tests/web/node_modules: npm ci)
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { launch, makeHtml, openPage, ROOT, tempDir } from '../../tests/web/helpers.mjs';

const steps = Number(process.argv[2] || 100000);
const dir = tempDir('memview-bench-');
const html = join(dir, 'loop.html');
let t = Date.now();
const made = makeHtml(join(ROOT, 'bench', 'viewer', 'loop.py'), html, ['--max-steps', String(steps)]);
const recordMs = Date.now() - t;
const bytes = statSync(html).size;

const browser = await launch();
try {
    t = Date.now();
    const { page, seen } = await openPage(browser.context, html);
    const wallMs = Date.now() - t;
    const r = await page.evaluate(() => {
        const n = window.memview.steps();
        const times = [];
        let seed = 12345;
        const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let k = 0; k < 200; k++) {
            const i = Math.floor(rnd() * n);
            const t0 = performance.now();
            window.memview.show(i);
            void document.body.offsetHeight;   // style and layout included
            times.push(performance.now() - t0);
        }
        const next = [];
        window.memview.show(Math.floor(n / 2));
        for (let k = 0; k < 200; k++) {
            const t0 = performance.now();
            window.memview.show(Math.floor(n / 2) + k + 1);
            void document.body.offsetHeight;
            next.push(performance.now() - t0);
        }
        const stats = (a) => {
            const s = a.slice().sort((x, y) => x - y);
            return { median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
        };
        return { n, openMs: window.memview.openedAt, random: stats(times), next: stats(next),
                 objects: window.memview.state().objs.size };
    });
    const f = (x) => x.toFixed(1);
    console.log(`memview viewer benchmark (${made.via})`);
    console.log(`  steps recorded        ${r.n}   (recording took ${(recordMs / 1000).toFixed(1)} s)`);
    console.log(`  page size             ${(bytes / 1048576).toFixed(1)} MiB`);
    console.log(`  open (in page)        ${f(r.openMs)} ms from navigation start to step 0 drawn`);
    console.log(`  open (wall, node)     ${wallMs} ms including page load`);
    console.log(`  200 random steps      median ${f(r.random.median)} ms, p95 ${f(r.random.p95)} ms, max ${f(r.random.max)} ms`);
    console.log(`  200 steps forward     median ${f(r.next.median)} ms, p95 ${f(r.next.p95)} ms, max ${f(r.next.max)} ms`);
    console.log(`  objects at last shown ${r.objects}`);
    if (seen.errors.length) console.log('  page errors:', seen.errors);
} finally {
    await browser.close();
}
