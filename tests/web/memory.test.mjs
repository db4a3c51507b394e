// Browser tests of the viewer's memory views (docs/charts.md): the charts
// exist and move with the step, the refcount chart of a chosen object, the
// address chart, unreachable objects drawn as such, objects freed at a step
// kept one step greyed with the reason, the narration of allocation, free,
// reuse and collection events, and the pool panel. Fixtures in fixtures/ are
// traces carrying the event fields (docs/events-format.md): cycle.trace.json
// (examples/cycles.py with the C layout), freeing.trace.json (hand-written,
// no layout: the viewer's fallback placement). A real run of
// examples/cycles.py checks that a trace without those fields degrades
// gracefully. Screenshots land in tests/web/screenshots/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildHtml } from './build_html.mjs';
import { HERE, launch, makeHtml, openPage, ROOT, screenshot, tempDir } from './helpers.mjs';

const dir = tempDir();
let browser;

before(async () => { browser = await launch(); });
after(async () => { if (browser) await browser.close(); });

async function openFixture(name) {
    const out = join(dir, name + '.html');
    writeFileSync(out, buildHtml(readFileSync(join(HERE, 'fixtures', name + '.trace.json'), 'utf8')));
    return openPage(browser.context, out);
}

const show = (page, i) => page.evaluate((k) => window.memview.show(k), i);
const markerX = (page, chart) => page.locator(`#${chart} g.now`).getAttribute('transform');
const events = (page) => page.locator('#narration ul.events li').allInnerTexts();

describe('cycle.trace.json: a cycle, unreachable, then collected', () => {
    let page, seen;
    before(async () => { ({ page, seen } = await openFixture('cycle')); });

    test('the memory chart is drawn once, from the allocator totals, with a legend of types', async () => {
        assert.equal(await page.locator('#chart-mem svg.chart').count(), 1);
        assert.match(await page.locator('#mem-source').innerText(), /as the allocator counts them/);
        const legend = await page.locator('#mem-legend li').allInnerTexts();
        assert.ok(legend.some((t) => /Person/.test(t)), 'Person has a series');
        assert.ok(legend.some((t) => /collection/.test(t)), 'the gc key');
        assert.equal(await page.locator('#chart-mem path.area').count() >= 8, true);
        assert.equal(await page.locator('#chart-mem text.gclabel').count(), 1, 'one collection marked');
        const m = await page.evaluate(() => window.memview.memory());
        assert.equal(m.source, 'allocator');
    });

    test('the marker moves with the step and the readout says the totals', async () => {
        await show(page, 9);
        const a = await markerX(page, 'chart-mem');
        assert.match(await page.locator('#mem-readout').innerText(), /^Step 9: 54 live blocks, 5,720 B/);
        await show(page, 14);
        const b = await markerX(page, 'chart-mem');
        assert.notEqual(a, b);
        const xa = Number(/translate\(([\d.]+)/.exec(a)[1]), xb = Number(/translate\(([\d.]+)/.exec(b)[1]);
        assert.ok(xb > xa, 'later step, further right');
        assert.match(await page.locator('#chart-mem g.now text').textContent(), /step 14/);
        assert.match(await page.locator('#mem-readout').innerText(), /dict 12 \(2,200 B\) · type 1 \(1,688 B\)/);
        // the address chart moves too
        assert.match(await markerX(page, 'chart-addr'), /translate/);
    });

    test('clicking a chart goes to that step', async () => {
        await show(page, 0);
        await page.locator('#chart-mem svg.chart').scrollIntoViewIfNeeded();
        const box = await page.locator('#chart-mem svg.chart').boundingBox();
        await page.mouse.click(box.x + box.width * 0.95, box.y + box.height * 0.5);
        const at = await page.evaluate(() => window.memview.step());
        assert.ok(at >= 22, 'near the end, got ' + at);
    });

    test('allocation events name the block and pool', async () => {
        await show(page, 9);
        const ev = await events(page);
        assert.ok(ev.some((t) => /Made Person #4 \(64-byte block in pool 0x7f2a4c1b8000, block 12, arena 3\)/.test(t)), ev.join('\n'));
        assert.ok(ev.some((t) => /Made 1 str object not in the picture \(54 B\)/.test(t)));
    });

    test('del of a cycle: unreachable, still drawn, dashed and labelled', async () => {
        await show(page, 21);
        const ev = await events(page);
        assert.ok(ev.some((t) => /cycle of 2 Person objects became unreachable \(still in memory\)/.test(t)), ev.join('\n'));
        const un = page.locator('g.ob.unreachable');
        assert.equal(await un.count(), 2);
        assert.equal(await un.first().locator('text.tag-unreach').textContent(), 'unreachable');
        // their contents did not change: only the "unreachable" badge, no "changed"
        assert.equal(await page.locator('g.ob.changed').count(), 0);
        const dash = await un.first().locator('rect.box').evaluate((e) => getComputedStyle(e).strokeDasharray);
        assert.notEqual(dash, 'none');
        const story = await page.locator('#narration').innerText();
        assert.match(story, /Person #4 is no longer reachable from any name, but it is still in memory/);
        await un.first().focus();
        assert.match(await page.locator('#details').innerText(), /Unreachable: no name of the program reaches it/);
        assert.match(await page.locator('#details').innerText(), /Memory: 64-byte block in pool 0x7f2a4c1b8000/);
        // the address chart hatches the unreachable part of their bars
        assert.equal(await page.locator('#chart-addr rect.unreach-bar').count(), 2);
        await screenshot(page, 'memory-cycle-unreachable');
    });

    test('the collection: narrated with its numbers; freed objects kept one step, greyed, with the reason', async () => {
        await show(page, 22);
        const ev = await events(page);
        assert.ok(ev.some((t) => /Collection \(generation 2, asked for by gc\.collect\(\)\) freed 2 Person objects and 2 dict objects not in the picture \(4 objects in all\); took 0\.31 ms\./.test(t)), ev.join('\n'));
        const ghosts = page.locator('g.ob.freed');
        assert.equal(await ghosts.count(), 2);
        assert.match(await ghosts.first().locator('text.tag-freed').textContent(), /freed by gc gen 2/);
        assert.equal(await page.locator('g.ob.unreachable').count(), 0);
        await screenshot(page, 'memory-cycle-collected');
        // one step later the ghosts are gone
        await show(page, 23);
        assert.equal(await page.locator('g.ob.freed').count(), 0);
    });

    test('choosing an object charts its refcount, from the details button or a click', async () => {
        await show(page, 19);
        assert.match(await page.locator('#chart-rc').innerText(), /Choose an object/);
        const person = page.locator('g.ob[data-ref="4"]');
        await person.focus();
        // the details' button keeps the object chosen when the focus moves to it
        await page.locator('#details button.chart-rc').focus();
        assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Chart its refcount');
        await page.keyboard.press('Enter');
        assert.equal(await page.locator('#chart-rc svg.chart').count(), 1);
        assert.match(await page.locator('#chart-rc text.ptitle').textContent(), /refcount of Person #4, steps 9–21/);
        const series = await page.evaluate(() => window.memview.refcountSeries());
        assert.equal(series.a, 9);
        assert.equal(series.values[0], 2);
        assert.equal(series.values[series.values.length - 1], 1);
        assert.match(await page.locator('#rc-readout').innerText(), /Step 19: Person #4 has refcount 1; held by name alice in <module>/);
        await show(page, 20);
        assert.match(await page.locator('#rc-readout').innerText(), /refcount 2; held by name alice in <module>, Person #7 \.friend/);
        assert.match(await page.locator('#chart-rc g.now text').textContent(), /rc 2/);
        // a click on another box charts it
        await page.locator('g.ob[data-ref="7"]').click();
        assert.match(await page.locator('#chart-rc text.ptitle').textContent(), /Person #7/);
        await screenshot(page, 'memory-cycle-refcount');
    });

    test('the address chart: one bar per object, labelled by its names; hover links with the diagram', async () => {
        await show(page, 19);
        const bars = page.locator('#chart-addr g.bar');
        assert.ok(await bars.count() >= 8);
        const labels = await page.locator('#chart-addr text.blabel').allTextContents();
        assert.ok(labels.some((t) => /alice.*Person #4/.test(t)), labels.join(' | '));
        assert.match(await page.locator('#chart-addr g.bar[data-ref="4"] title').textContent(), /Person #4 at 0x[0-9a-f]+, steps 9–21/);
        await page.locator('g.ob[data-ref="4"]').hover();
        assert.equal(await page.locator('#chart-addr g.bar.hl').count(), 1);
    });

    test('the pool panel groups the objects\' blocks by pool', async () => {
        await show(page, 19);
        const pools = page.locator('#pools figure.pool');
        assert.equal(await pools.count(), 2);
        assert.match(await pools.first().locator('figcaption').innerText(), /pool 0x7f2a4c1b8000 · arena 3 · 64-byte blocks \(255 per pool\)/);
        assert.equal(await pools.first().locator('rect.blk-obj').count(), 4);
        assert.match(await pools.first().locator('ul').innerText(), /Person #4 → block 12 \(alice\)/);
        assert.match(await page.locator('#pools').innerText(), /Not in a pool \(larger than 512 bytes, from malloc\): type #3 1688 B/);
        await page.locator('#panel-pools').scrollIntoViewIfNeeded();
        await screenshot(page, 'memory-pools');
    });

    test('dark theme', async () => {
        await page.emulateMedia({ colorScheme: 'dark' });
        await show(page, 21);
        await screenshot(page, 'memory-cycle-dark');
        await page.emulateMedia({ colorScheme: 'light' });
        assert.deepEqual(seen.errors, []);
        assert.deepEqual(seen.requests, []);
    });
});

describe('freeing.trace.json: frees, reuse, malloc, without a layout', () => {
    let page, seen;
    before(async () => { ({ page, seen } = await openFixture('freeing')); });

    test('a free by refcount names the last reference; the box stays one step, greyed', async () => {
        await show(page, 4);
        const ev = await events(page);
        assert.ok(ev.some((t) => /list #1 freed: its last reference tmp went away \(refcount 0\)/.test(t)), ev.join('\n'));
        const ghost = page.locator('g.ob.freed[data-freed="1"]');
        assert.equal(await ghost.count(), 1);
        assert.match(await ghost.locator('text.tag-freed').textContent(), /freed: refcount 0/);
        await screenshot(page, 'memory-freed-refcount');
    });

    test('an address reused by another type is narrated', async () => {
        await show(page, 6);
        const ev = await events(page);
        assert.ok(ev.some((t) => /int #5 reused the address of float #4/.test(t)), ev.join('\n'));
        assert.ok(ev.some((t) => /Freed 1 str object not in the picture \(52 B\)/.test(t)));
    });

    test('a big object is from malloc, not a pool', async () => {
        await show(page, 7);
        const ev = await events(page);
        assert.ok(ev.some((t) => /Made bytes #6 \(1033 bytes from malloc: too big for pymalloc's pools\)/.test(t)), ev.join('\n'));
        assert.match(await page.locator('#pools').innerText(), /Not in a pool .*bytes #6 1033 B/);
        assert.deepEqual(seen.errors, []);
    });
});

describe('a trace without event fields (a real run)', () => {
    test('charts from the objects in the picture; no pool view, with the reason; no error', async () => {
        const out = join(dir, 'cycles-real.html');
        makeHtml(join(ROOT, 'examples', 'cycles.py'), out);
        const { page, seen } = await openPage(browser.context, out);
        const m = await page.evaluate(() => window.memview.memory());
        // real data may or may not carry the memory totals yet: both are fine
        if (m.source === 'picture')
            assert.match(await page.locator('#mem-source').innerText(), /Objects in the picture/);
        assert.equal(await page.locator('#chart-mem svg.chart').count(), 1);
        assert.ok(await page.locator('#chart-addr g.bar').count() >= 5);
        const n = await page.evaluate(() => window.memview.steps());
        for (let i = 0; i < n; i++) await show(page, i);
        assert.ok((await page.locator('#pools').innerText()).length > 10);
        await screenshot(page, 'memory-real-cycles');
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});
