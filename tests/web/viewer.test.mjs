// Browser tests of the viewer on the teaching examples: stepping, the
// highlighted lines, the objects and arrows of the diagram, the narration,
// the toggles, hover/focus details, keyboard use, and that the page makes no
// network request. Screenshots land in tests/web/screenshots/ (gitignored).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { launch, makeHtml, openPage, ROOT, screenshot, tempDir } from './helpers.mjs';

const dir = tempDir();
let browser;

before(async () => { browser = await launch(); });
after(async () => { if (browser) await browser.close(); });

async function open(example) {
    const out = join(dir, example + '.html');
    makeHtml(join(ROOT, 'examples', example + '.py'), out);
    return openPage(browser.context, out);
}

const counter = (page) => page.locator('#counter').innerText();
const nextLine = (page) => page.locator('.ln.next .no').innerText();
const ranLine = (page) => page.locator('.ln.ran .no').innerText();

async function runUntil(page, line) {
    await page.fill('#line-input', String(line));
    await page.click('#form-line button');
}

// the box of the only object of this type, and how many arrows end at it
async function boxOf(page, type) {
    const boxes = page.locator('g.ob').filter({ has: page.locator('text.head', { hasText: new RegExp('^' + type + ' #') }) });
    return boxes;
}

async function arrowsInto(page, ref) {
    return page.locator(`path.arrow[data-to="${ref}"]`).count();
}

describe('aliasing.py', () => {
    let page, seen;
    before(async () => { ({ page, seen } = await open('aliasing')); });

    test('opens at step 0 with the program, Python version and how the run ended', async () => {
        assert.match(await counter(page), /^Step 0 \/ \d+$/);
        const info = await page.locator('#run-info').innerText();
        assert.match(info, /Python 3\.1[1-3]/);
        assert.match(info, /the program finished \(exit code 0\)/);
        assert.equal(await page.locator('#program').innerText(), 'aliasing.py');
        assert.match(await page.title(), /aliasing\.py/);
        assert.match(await page.locator('#narration').innerText(), /The program starts/);
    });

    test('y = x: two arrows into one list box, and the narration says so', async () => {
        await runUntil(page, 7);
        assert.equal(await nextLine(page), '7');
        let lists = await boxOf(page, 'list');
        assert.equal(await lists.count(), 1);
        const ref = await lists.first().getAttribute('data-ref');
        assert.equal(await arrowsInto(page, ref), 1);

        await runUntil(page, 9);
        assert.equal(await nextLine(page), '9');
        assert.equal(await ranLine(page), '7');
        assert.match(await page.locator('.ln.next .tx').innerText(), /print\("x is y:"/);
        lists = await boxOf(page, 'list');
        assert.equal(await lists.count(), 1, 'one list, drawn once');
        assert.equal(await lists.first().getAttribute('data-ref'), ref, 'the same list');
        assert.equal(await arrowsInto(page, ref), 2, 'x and y both point at it');
        assert.match(await lists.first().locator('text.sub').textContent(), /rc 2/);
        const story = await page.locator('#narration').innerText();
        assert.match(story, /Line 7 ran: y = x/);
        assert.match(story, new RegExp(`y now refers to the same list #${ref} as x`));
        assert.match(story, /refcount 1 → 2/);
        await screenshot(page, 'aliasing-y-is-x');
    });

    test('a mutation through one name is narrated as seen through the other', async () => {
        await runUntil(page, 13);
        const story = await page.locator('#narration').innerText();
        assert.match(story, /Line 12 ran: y\.append\(4\)/);
        assert.match(story, /list #\d+ changed \(len 3 → 4\) through y; x refers to it too/);
        const lists = await boxOf(page, 'list');
        assert.match(await lists.first().locator('.badge').textContent(), /changed/);
        await screenshot(page, 'aliasing-append');
    });

    test('buttons, arrow keys, Home/End and the step box move between steps', async () => {
        await page.click('#btn-first');
        assert.match(await counter(page), /^Step 0 /);
        await page.click('#btn-next');
        await page.click('#btn-next');
        assert.match(await counter(page), /^Step 2 /);
        await page.click('#btn-prev');
        assert.match(await counter(page), /^Step 1 /);
        await page.locator('body').press('ArrowRight');
        assert.match(await counter(page), /^Step 2 /);
        await page.locator('body').press('ArrowLeft');
        assert.match(await counter(page), /^Step 1 /);
        await page.locator('body').press('End');
        const total = await page.evaluate(() => window.memview.steps());
        assert.equal(await counter(page), `Step ${total - 1} / ${total - 1}`);
        assert.ok(await page.locator('#btn-next').isDisabled());
        await page.locator('body').press('Home');
        assert.match(await counter(page), /^Step 0 /);
        assert.ok(await page.locator('#btn-prev').isDisabled());
        await page.fill('#step-input', '3');
        await page.press('#step-input', 'Enter');
        assert.match(await counter(page), /^Step 3 /);
        await page.fill('#step-input', '99999');
        await page.press('#step-input', 'Enter');
        assert.match(await page.locator('#status').innerText(), /There is no step 99999/);
        assert.match(await counter(page), /^Step 3 /);
        // the slider follows and drives
        assert.equal(await page.locator('#slider').inputValue(), '3');
        await page.locator('#slider').fill('5');
        assert.match(await counter(page), /^Step 5 /);
    });

    test('"run until line" goes to the next time a line runs, and says when it never does', async () => {
        await page.click('#btn-first');
        await runUntil(page, 12);
        assert.equal(await nextLine(page), '12');
        await runUntil(page, 12);
        assert.match(await page.locator('#status').innerText(), /does not run again/);
        assert.equal(await nextLine(page), '12');
    });

    test('the output is what was printed up to the step', async () => {
        await runUntil(page, 9);
        await page.click('#btn-first');
        await runUntil(page, 10);
        assert.equal((await page.locator('#stdout').innerText()).trim(), 'x is y: True');
        await page.locator('body').press('End');
        const out = await page.locator('#stdout').innerText();
        assert.match(out, /x after z\.append\(5\): \[1, 2, 3, 4\]/);
        assert.match(await page.locator('#status').innerText(), /the program finished/);
    });

    test('compact mode puts ints inside their slots; addresses mode shows real ids', async () => {
        await page.click('#btn-first');
        await runUntil(page, 9);
        assert.equal(await (await boxOf(page, 'int')).count(), 3);
        await page.check('#opt-compact');
        assert.equal(await (await boxOf(page, 'int')).count(), 0, 'no int boxes');
        const list = (await boxOf(page, 'list')).first();
        assert.deepEqual(await list.locator('text.inline').allTextContents(), ['1', '2', '3']);
        await screenshot(page, 'aliasing-compact');
        await page.uncheck('#opt-compact');
        assert.equal(await (await boxOf(page, 'int')).count(), 3);
        await page.check('#opt-address');
        const id = await page.evaluate(() => {
            const st = window.memview.state();
            for (const o of st.objs.values()) if (o.type === 'list') return o.id;
            return null;
        });
        assert.match(await list.locator('text.sub').textContent(), new RegExp('0x' + id.toString(16)));
        await page.uncheck('#opt-address');
    });

    test('hover or focus on an object highlights every arrow into it, with its id, refcount and size', async () => {
        await page.click('#btn-first');
        await runUntil(page, 9);
        const list = (await boxOf(page, 'list')).first();
        const ref = await list.getAttribute('data-ref');
        await list.focus();
        assert.equal(await page.locator(`path.arrow.hl[data-to="${ref}"]`).count(), 2);
        assert.equal(await page.locator('path.arrow.hl').count(), 2);
        const details = await page.locator('#details').innerText();
        assert.match(details, new RegExp(`list #${ref}`));
        assert.match(details, /id 0x[0-9a-f]+/);
        assert.match(details, /refcount 2/);
        assert.match(details, /size \d+ bytes/);
        assert.match(details, /2 arrows in, from: name x in <module>; name y in <module>/);
        await screenshot(page, 'aliasing-focus');
        // the focus stays on the same object when stepping with the keyboard
        await page.keyboard.press('ArrowRight');
        assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-ref')), ref);
        await page.locator('body').click({ position: { x: 5, y: 5 } });
        // hover on an int: its one arrow, from the list's slot
        const one = (await boxOf(page, 'int')).first();
        await one.hover();
        assert.equal(await page.locator('path.arrow.hl').count(), 1);
        assert.match(await page.locator('#details').innerText(), /immortal/);
    });

    test('everything works from the keyboard, with a visible focus', async () => {
        await page.click('#btn-first');
        await page.locator('body').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('Tab');
        const first = await page.evaluate(() => {
            const e = document.activeElement;
            return { id: e.id, outline: getComputedStyle(e).outlineStyle, width: getComputedStyle(e).outlineWidth };
        });
        assert.equal(first.id, 'btn-next', 'at step 0 First and Back are disabled, so skipped');
        assert.notEqual(first.outline, 'none');
        await page.keyboard.press('Enter');
        assert.match(await counter(page), /^Step 1 /);
        // Tab reaches the objects of the diagram
        let reached = false;
        for (let k = 0; k < 40 && !reached; k++) {
            await page.keyboard.press('Tab');
            reached = await page.evaluate(() => !!document.activeElement.closest('#diagram'));
        }
        await page.keyboard.press('End');
        await page.click('#btn-first');
        await runUntil(page, 9);
        await page.locator('#opt-compact').focus();
        for (let k = 0; k < 10 && !reached; k++) {
            await page.keyboard.press('Tab');
            reached = await page.evaluate(() => !!document.activeElement.closest('#diagram'));
        }
        assert.ok(reached, 'Tab reaches an object box');
        assert.ok(await page.locator('path.arrow.hl').count() >= 1);
    });

    test('no request leaves the page; a CSP forbids them', async () => {
        const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /connect-src 'none'/);
        assert.deepEqual(seen.requests, []);
        assert.deepEqual(seen.errors, []);
        assert.deepEqual(seen.dialogs, []);
    });
});

describe('call_stack.py', () => {
    test('a call pushes a frame whose parameter refers to the caller\'s list', async () => {
        const { page, seen } = await open('call_stack');
        await runUntil(page, 8);   // the first line of total's body
        await page.locator('body').press('ArrowLeft');   // the call into total
        assert.equal(await page.locator('g.fr').count(), 3);
        assert.match(await page.locator('g.fr.current text.head').textContent(), /total/);
        const story = await page.locator('#narration').innerText();
        assert.match(story, /called total: a new frame is pushed/);
        assert.match(story, /Parameter numbers refers to the caller's list #\d+, the same object as data \(in <module>\) and numbers \(in report\): no copy is made/);
        const list = (await boxOf(page, 'list')).first();
        assert.equal(await arrowsInto(page, await list.getAttribute('data-ref')), 3);
        assert.ok(await page.locator('.ln.caller').count() >= 2, 'the callers\' lines are marked');
        await screenshot(page, 'call-stack-call');
        // the return step: the frame shows the value it hands back, and says so
        await runUntil(page, 16);
        await page.locator('body').press('ArrowLeft');
        const ret = await page.locator('#narration').innerText();
        assert.match(ret, /total returns int #\d+ \(6\), the object result refers to: the caller gets a reference to it, not a copy/);
        assert.equal(await page.locator('g.fr.current g.name.retval').count(), 1);
        assert.match(await page.locator('g.fr.current g.name.retval text').first().textContent(), /return value/);
        await page.locator('body').press('ArrowRight');
        const back = await page.locator('#narration').innerText();
        assert.match(back, /Back in report after total returned/);
        assert.match(back, /s now refers to/);
        await page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(page, 'call-stack-dark');
        await page.emulateMedia({ colorScheme: 'light' });
        assert.deepEqual(seen.requests, []);
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});

describe('immutability.py', () => {
    test('s.upper() makes a new str and leaves the old one unchanged', async () => {
        const { page, seen } = await open('immutability');
        await runUntil(page, 10);
        const story = await page.locator('#narration').innerText();
        assert.match(story, /u now refers to a new str #\d+/);
        assert.match(story, /str #\d+ \(s\) is unchanged/);
        await screenshot(page, 'immutability-upper');
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});

describe('cycles.py', () => {
    test('found = gc.collect(): the module gc is not narrated as an unchanged value', async () => {
        const { page, seen } = await open('cycles');
        await runUntil(page, 25);
        const story = await page.locator('#narration').innerText();
        assert.match(story, /found now refers to int #\d+/);
        assert.doesNotMatch(story, /is unchanged: the method made a new object/);
        // the two freed Person objects stay one step, greyed, and nothing else is "changed"
        assert.equal(await page.locator('g.ob.freed').count(), 2);
        assert.equal(await page.locator('g.ob.changed').count(), 0);
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});

describe('memory_pools.py', () => {
    test('every pool, moving with the step: the pools fill as 2000 lists are built and empty when they are dropped', async () => {
        const { page, seen } = await open('memory_pools');
        const usedAt = async () => {
            const t = await page.locator('#allpools-readout').innerText();
            const m = t.match(/(\d+) pools in use, ([\d,]+) blocks used/);
            assert.ok(m, t);
            // one bar per pool in use
            const drawn = await page.locator('#allpools svg').evaluateAll((ss) => ss.reduce((t, e) => t + Number(e.dataset.pools), 0));
            assert.equal(drawn, Number(m[1]));
            return Number(m[2].replace(/,/g, ''));
        };
        await runUntil(page, 12);            // small = [[i] for i in range(2000)]
        const before = await usedAt();
        await runUntil(page, 13);
        const built = await usedAt();
        await runUntil(page, 18);            // after `del small`
        const dropped = await usedAt();
        // 2000 lists, their one-item arrays and 2000 ints (1744 of them not cached)
        assert.ok(built - before > 5000, `${before} -> ${built}`);
        assert.ok(built - dropped > 5000, `${built} -> ${dropped}`);
        const changedPools = await page.locator('#allpools svg').evaluateAll((ss) => ss.reduce((t, e) => t + Number(e.dataset.changed), 0));
        assert.ok(changedPools > 0);
        // a pointer over a bar names its pool
        await page.locator('#allpools svg').first().hover({ position: { x: 6, y: 10 } });
        assert.match(await page.locator('#allpools .pool-tip').innerText(), /pool 0x[0-9a-f]+ · \d+-byte blocks · \d+ used, \d+ free, \d+ never used|a pool with no block/);
        await screenshot(page, 'memory-pools-all');
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});

describe('copies.py', () => {
    test('what a print() makes and frees out of the picture is one line each, biggest types first', async () => {
        const { page, seen } = await open('copies');
        await runUntil(page, 23);
        const lines = (await page.locator('#narration li').allInnerTexts()).filter((t) => /not in the picture/.test(t));
        const made = lines.filter((t) => /Made/.test(t)), freed = lines.filter((t) => /Freed/.test(t));
        assert.equal(made.length, 1, lines.join('\n'));
        assert.ok(freed.length <= 1, lines.join('\n'));
        const m = made[0].match(/Made (\d+) objects not in the picture \([\d.,]+ (?:B|KiB)\): ((?:\d+ \S+(?:, | and )?)+)/);
        assert.ok(m, made[0]);
        // the counts listed are in decreasing order and add up to at most the total
        const listed = m[2].split(/ and \d+ more types?/)[0];
        const counts = [...listed.matchAll(/(\d+) \S+/g)].map((x) => Number(x[1]));
        assert.deepEqual(counts, counts.slice().sort((a, b) => b - a));
        assert.ok(counts.reduce((a, b) => a + b, 0) <= Number(m[1]));
        assert.deepEqual(seen.errors, []);
        await page.close();
    });
});
