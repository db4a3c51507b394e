/* memview viewer: shows a run recorded in the trace format (docs/trace-format.md)
 * step by step: the source with the line about to run, the memory diagram, the
 * output so far and a narration of what the step changed. Contract and
 * geometry: docs/viewer.md.
 *
 * Safety. Everything the program produced (values, names, types, source,
 * output) reaches the page only as text: textContent, createTextNode or SVG
 * text nodes, never innerHTML. Control, bidi and invisible characters are shown
 * as visible escapes so text cannot disguise itself.
 *
 * Speed. A step is rebuilt by replaying deltas from the nearest checkpoint
 * (one every CHECKPOINT steps, all made when the trace opens), and only the
 * current step is drawn.
 *
 * Positions. A trace whose steps carry "layout" (from the C layout engine) is
 * drawn where it says: that layout is authoritative. Without it, a small
 * fallback placement below (class Placement) puts frames on the left and
 * objects in columns by distance from a name; an object keeps its place while
 * it lives. */
'use strict';
(function () {
    const SVGNS = 'http://www.w3.org/2000/svg';
    const CHECKPOINT = 500;
    // geometry shared by both placements (docs/viewer.md)
    const G = {
        head: 36,        // object header: type #ref / refcount, size
        fhead: 26,       // frame header: function name and line
        row: 20,         // one slot (element, entry, attribute, name)
        pad: 6,
        boxW: 176, colW: 226, frameW: 196, frameX: 10, top: 10, gap: 14, maxCol: 6,
        charW: 7.25,     // 12px monospace
    };
    G.objX = G.frameX + G.frameW + 70;

    // ---------- text: everything shown from the program passes here ----------

    // Characters that must not act on the page: C0/C1 controls, bidi
    // embeddings, overrides and isolates, zero-width and line/paragraph
    // separators, BOM, lone surrogates. Shown as \x.. / \u.. escapes.
    const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

    function esc1(ch) {
        const c = ch.charCodeAt(0);
        if (c < 0x100)
            return '\\x' + c.toString(16).padStart(2, '0');
        return '\\u' + c.toString(16).padStart(4, '0');
    }

    // program text for display: tabs and newlines kept when keepLines
    function safe(s, keepLines) {
        s = String(s);
        if (keepLines)
            return s.replace(HIDDEN, (m) => (m === '\t' || m === '\n' ? m : esc1(m)));
        return s.replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(HIDDEN, esc1);
    }

    // Python's repr of a str
    function pyStr(s) {
        const q = s.includes("'") && !s.includes('"') ? '"' : "'";
        let out = '';
        for (let i = 0; i < s.length; i++) {
            const ch = s[i];
            if (ch === '\\') out += '\\\\';
            else if (ch === q) out += '\\' + q;
            else if (ch === '\n') out += '\\n';
            else if (ch === '\r') out += '\\r';
            else if (ch === '\t') out += '\\t';
            else out += ch;
        }
        return q + safe(out) + q;
    }

    function pyFloat(v) {
        const a = Math.abs(v);
        if (a !== 0 && (a >= 1e16 || a < 1e-4))
            return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
        const s = String(v);
        return /[.e]/.test(s) ? s : s + '.0';
    }

    // cut to n code points with an ellipsis
    function cut(s, n) {
        if (s.length <= n) return s;
        const cps = Array.from(s);
        if (cps.length <= n) return s;
        return cps.slice(0, Math.max(1, n - 1)).join('') + '…';
    }

    function shortType(o) { return o ? safe(o.type) : '?'; }

    // an object's value as Python would print it (display text)
    function valueText(o) {
        const v = o.value;
        let s;
        if (v === null) s = 'None';
        else if (v === true) s = 'True';
        else if (v === false) s = 'False';
        else if (typeof v === 'number') s = o.type === 'float' ? pyFloat(v) : String(v);
        else if (o.type === 'str' && !o.repr) {
            s = pyStr(v);
            if (o.length !== undefined) s = s.slice(0, -1) + '…' + s.slice(-1);
            return s;
        } else s = safe(v);
        if (o.length !== undefined) s += '…';
        return s;
    }

    function hex(id) { return '0x' + Number(id).toString(16); }

    function kind(o) {
        if (o.items) return 'seq';
        if (o.entries) return 'dict';
        if (o.attrs) return 'attrs';
        if ('value' in o) return 'value';
        return 'opaque';
    }

    // values shown inside their slot in compact mode
    function inlineable(o) {
        return !!o && 'value' in o && !o.items && !o.entries && !o.attrs &&
            o.type !== 'function' && o.type !== 'module';
    }

    // the rows of an object box: {label, ref, key} (key: a dict key's ref)
    function slots(o) {
        const out = [];
        if (o.items) {
            const unordered = o.type === 'set' || o.type === 'frozenset';
            o.items.forEach((r, i) => out.push({ label: unordered ? '' : String(i), ref: r }));
        } else if (o.entries) {
            o.entries.forEach((e) => out.push({ label: '', key: e[0], ref: e[1] }));
        } else if (o.attrs) {
            o.attrs.forEach((a) => out.push({ label: safe(a.name), ref: a.ref }));
        }
        return out;
    }

    // rows per slot: a dict entry takes two in full mode (key, then value), so
    // that the key's arrow and the value's arrow each leave from the right edge
    function perSlot(o, compact) { return o.entries && !compact ? 2 : 1; }

    // a row above the slots: a class's name
    function titleRow(o) { return kind(o) === 'attrs' && 'value' in o ? 1 : 0; }

    function nrows(o, compact) {
        const k = kind(o);
        if (k === 'value' || k === 'opaque') return 1;
        const n = slots(o).length * perSlot(o, compact) + (o.hidden ? 1 : 0) + titleRow(o);
        return Math.max(1, n);
    }

    function boxH(o, compact) { return G.head + nrows(o, compact) * G.row + 4; }

    function frameH(f) { return G.fhead + Math.max(1, f.locals.length) * G.row + 6; }

    // ---------- DOM helpers ----------

    function $(id) { return document.getElementById(id); }

    function h(tag, cls, text) {
        const e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined) e.textContent = text;
        return e;
    }

    function s(tag, attrs, text) {
        const e = document.createElementNS(SVGNS, tag);
        if (attrs)
            for (const k in attrs) e.setAttribute(k, attrs[k]);
        if (text !== undefined) e.textContent = text;
        return e;
    }

    // SVG text cut to n characters; the whole text in a tooltip when cut
    function tx(attrs, full, n) {
        const shown = n === undefined ? full : cut(full, n);
        const e = s('text', attrs, shown);
        if (shown !== full) e.appendChild(s('title', null, full));
        return e;
    }

    // ---------- fallback placement (used only when the trace has no layout) ----------

    class Placement {
        constructor(compact) {
            this.compact = compact;
            this.pos = new Map();   // ref -> {ref, col, y, h}; records are never mutated
            this.cols = [];         // per column: records sorted by y, never overlapping
        }

        clone() {
            const p = new Placement(this.compact);
            p.pos = new Map(this.pos);
            p.cols = this.cols.map((c) => c.slice());
            return p;
        }

        // first place at or below prefY in column col where h fits
        insert(ref, col, prefY, height) {
            const c = this.cols[col] || (this.cols[col] = []);
            let y = Math.max(G.top, Math.round(prefY)), i = 0;
            for (; i < c.length; i++) {
                const r = c[i];
                if (r.y + r.h + G.gap <= y) continue;
                if (y + height + G.gap <= r.y) break;
                y = r.y + r.h + G.gap;
            }
            const rec = { ref, col, y, h: height };
            c.splice(i, 0, rec);
            this.pos.set(ref, rec);
            return rec;
        }

        remove(ref) {
            const rec = this.pos.get(ref);
            if (!rec) return;
            const c = this.cols[rec.col];
            c.splice(c.indexOf(rec), 1);
            this.pos.delete(ref);
        }

        // a box grew or shrank: boxes below it in its column move down if they
        // would overlap (never up, so nothing moves when something shrinks)
        resize(ref, height) {
            const rec = this.pos.get(ref);
            const c = this.cols[rec.col];
            let i = c.indexOf(rec);
            let prev = { ref, col: rec.col, y: rec.y, h: height };
            c[i] = prev;
            this.pos.set(ref, prev);
            for (i++; i < c.length; i++) {
                const need = prev.y + prev.h + G.gap;
                if (c[i].y >= need) break;
                prev = { ref: c[i].ref, col: c[i].col, y: need, h: c[i].h };
                c[i] = prev;
                this.pos.set(prev.ref, prev);
            }
        }

        // update for step i, whose delta has been applied to objs
        step(st, delta, frames) {
            const compact = this.compact;
            if (delta.drops)
                for (const r of delta.drops) this.remove(r);
            const pending = new Set();
            if (delta.objects)
                for (const o of delta.objects) {
                    if (compact && inlineable(o)) continue;
                    const rec = this.pos.get(o.ref);
                    if (!rec) pending.add(o.ref);
                    else if (rec.h !== boxH(o, compact)) this.resize(o.ref, boxH(o, compact));
                }
            if (!pending.size) return;
            const queue = [];
            const children = (o, rec) => {
                const per = perSlot(o, compact);
                const base = rec.y + G.head + titleRow(o) * G.row + G.row / 2 - G.head / 2;
                slots(o).forEach((sl, k) => {
                    if (sl.key !== undefined && pending.has(sl.key)) queue.push([sl.key, rec.col + 1, base + k * per * G.row]);
                    if (pending.has(sl.ref)) queue.push([sl.ref, rec.col + 1, base + (k * per + per - 1) * G.row]);
                });
            };
            if (delta.frames) {
                let fy = G.top;
                for (const f of frames) {
                    f.locals.forEach((l, k) => {
                        if (pending.has(l[1]))
                            queue.push([l[1], 0, fy + G.fhead + k * G.row + G.row / 2 - G.head / 2]);
                    });
                    fy += frameH(f) + G.gap;
                }
            }
            for (const o of delta.objects) {
                const rec = this.pos.get(o.ref);
                if (rec) children(o, rec);
            }
            for (let q = 0; q < queue.length; q++) {
                const [r, col, y] = queue[q];
                if (!pending.has(r)) continue;
                pending.delete(r);
                const o = st.objs.get(r);
                if (!o) continue;
                children(o, this.insert(r, Math.min(col, G.maxCol), y, boxH(o, compact)));
            }
            for (const r of pending) {
                const o = st.objs.get(r);
                if (o) this.insert(r, 1, G.top, boxH(o, compact));
            }
        }
    }

    // ---------- the trace and its states ----------

    let T = null;            // the parsed trace
    let steps = [];
    let N = 0;
    let framesFrom = null;   // Int32Array: last step <= i that has "frames"
    let stdoutChars = null;  // Int32Array: UTF-16 length of stdout at step i
    let hasLayout = false;
    let sources = [];        // per file: array of lines (or null)
    let checkpoints = [];    // state at step k * CHECKPOINT
    const cache = [];        // a few recently built states

    function framesAt(i) {
        const k = framesFrom[i];
        if (k < 0) return [];
        const fr = steps[k].frames;
        if (k === i) return fr;
        // the innermost frame's line is always the step's own line
        const last = fr[fr.length - 1];
        if (!last || last.line === steps[i].line) return fr;
        const copy = fr.slice();
        copy[copy.length - 1] = Object.assign({}, last, { line: steps[i].line });
        return copy;
    }

    function newState() {
        return {
            step: -1, objs: new Map(), boxes: new Map(), fboxes: null, size: null,
            place: hasLayout ? null : { full: new Placement(false), compact: new Placement(true) },
        };
    }

    function cloneState(st) {
        return {
            step: st.step, objs: new Map(st.objs), boxes: hasLayout ? new Map(st.boxes) : st.boxes,
            fboxes: st.fboxes, size: st.size,
            place: st.place && { full: st.place.full.clone(), compact: st.place.compact.clone() },
        };
    }

    // apply step i to st (which holds step i - 1), in place
    function apply(st, i) {
        const d = steps[i];
        if (d.objects)
            for (const o of d.objects) st.objs.set(o.ref, o);
        if (d.refcounts)
            for (const rc of d.refcounts) {
                const o = st.objs.get(rc[0]);
                if (o) st.objs.set(rc[0], Object.assign({}, o, { refcount: rc[1] }));
            }
        if (d.drops)
            for (const r of d.drops) {
                st.objs.delete(r);
                if (hasLayout) st.boxes.delete(r);
            }
        if (hasLayout) {
            const L = d.layout;
            if (L) {
                if (L.gone)
                    for (const r of L.gone) st.boxes.delete(r);
                if (L.boxes)
                    for (const b of L.boxes) st.boxes.set(b[0], b);
                if (L.frames) st.fboxes = L.frames;
                if (L.size) st.size = L.size;
            }
        } else {
            const fr = framesAt(i);
            st.place.full.step(st, d, fr);
            st.place.compact.step(st, d, fr);
        }
        st.step = i;
    }

    function buildCheckpoints() {
        checkpoints = [];
        const st = newState();
        for (let i = 0; i < N; i++) {
            apply(st, i);
            if (i % CHECKPOINT === 0) checkpoints.push(cloneState(st));
        }
    }

    // the state of step i (shared; do not modify)
    function stateAt(i) {
        for (const c of cache) if (c.step === i) return c;
        let st = null;
        for (const c of cache) if (c.step === i - 1) st = cloneState(c);
        if (!st) {
            const k = Math.floor(i / CHECKPOINT);
            st = cloneState(checkpoints[k]);
        }
        for (let j = st.step + 1; j <= i; j++) apply(st, j);
        cache.push(st);
        if (cache.length > 3) cache.shift();
        return st;
    }

    function stdoutIndex(text) {
        const out = new Int32Array(N);
        let bytes = 0, ci = 0;
        for (let i = 0; i < N; i++) {
            const want = steps[i].stdout || 0;
            while (bytes < want && ci < text.length) {
                const c = text.charCodeAt(ci);
                if (c < 0x80) bytes += 1;
                else if (c < 0x800) bytes += 2;
                else if (c >= 0xd800 && c <= 0xdbff && ci + 1 < text.length &&
                         (text.charCodeAt(ci + 1) & 0xfc00) === 0xdc00) { bytes += 4; ci++; }
                else bytes += 3;
                ci++;
            }
            out[i] = ci;
        }
        return out;
    }

    function load(trace) {
        if (!trace || trace.memview !== 'trace' || !Array.isArray(trace.steps))
            throw new Error('this is not a memview trace (memview run -f trace)');
        T = trace;
        steps = T.steps;
        N = steps.length;
        if (!N) throw new Error('the trace has no steps');
        framesFrom = new Int32Array(N);
        let last = -1;
        hasLayout = false;
        for (let i = 0; i < N; i++) {
            const st = steps[i];
            if (st.frames) last = i;
            framesFrom[i] = last;
            if (st.layout) hasLayout = true;
        }

        stdoutChars = stdoutIndex(T.stdout || '');
        sources = (T.files || []).map((f) => (typeof f.source === 'string' ? f.source.split(/\r\n|\r|\n/) : null));
        if (sources.length) {
            // a trailing newline does not make a line
            for (const src of sources)
                if (src && src.length > 1 && src[src.length - 1] === '') src.pop();
        }
        cache.length = 0;
        buildCheckpoints();
    }

    // ---------- the page ----------

    const ui = {};
    let cur = 0;
    let opt = { compact: false, address: false };
    let srcFile = -1;          // file shown in the source pane
    let srcLines = [];         // its line elements
    let marked = [];           // line elements with a mark
    let hover = null, focusRef = null;
    let incoming = new Map();  // ref -> arrow paths into its box (current drawing)
    let boxEls = new Map();    // ref -> box group
    let referrers = new Map(); // ref -> [{name, frame}|{parent, slot}]
    let timings = null;        // where the last show() spent its time (ms)
    // Big diagrams draw only the boxes near the visible part of the diagram
    // pane (view, kept up to date by scroll and resize events, so drawing
    // never forces a layout) and are redrawn when it scrolls.
    const CULL_ABOVE = 60, CULL_MARGIN = 300;
    let view = null, culled = false, redrawQueued = false;

    function fileName(i) {
        const f = T.files && T.files[i];
        if (!f) return '?';
        return safe(String(f.path).split('/').pop());
    }

    function endText() {
        const e = T.end || {};
        const code = e.exit_code !== undefined ? ' (exit code ' + e.exit_code + ')' : '';
        switch (e.reason) {
        case 'end': return 'the program finished' + code;
        case 'exception': return 'stopped by an exception: ' + safe(e.message || '') +
            (e.step !== undefined ? ' (step ' + e.step + ')' : '');
        case 'exit': return 'the program exited: ' + safe(e.message || '') + code;
        case 'limit': return 'recording stopped at the step limit (' + N + ' steps); the program did not finish';
        case 'interrupt': return 'interrupted (Ctrl-C)';
        case 'running': return 'recording stopped early';
        default: return safe(e.reason || 'unknown end');
        }
    }

    function setupPage() {
        for (const id of ['btn-first', 'btn-prev', 'btn-next', 'btn-last', 'slider', 'counter',
                          'form-step', 'step-input', 'form-line', 'line-input', 'opt-compact',
                          'opt-address', 'status', 'source', 'file-name', 'stdout', 'narration',
                          'diagram', 'details', 'program', 'run-info', 'h-step'])
            ui[id] = $(id);
        const prog = safe(String(T.program || '').split('/').pop() || 'program');
        ui.program.textContent = prog;
        document.title = 'memview — ' + prog;
        ui['run-info'].textContent = 'Python ' + safe(T.python || '?') + ' · ' + N + ' steps (0–' +
            (N - 1) + ') · ' + endText();
        ui.slider.max = String(N - 1);
        ui['btn-first'].addEventListener('click', () => show(0));
        ui['btn-prev'].addEventListener('click', () => show(cur - 1));
        ui['btn-next'].addEventListener('click', () => show(cur + 1));
        ui['btn-last'].addEventListener('click', () => show(N - 1));
        ui.slider.addEventListener('input', () => show(Number(ui.slider.value)));
        ui['form-step'].addEventListener('submit', (ev) => {
            ev.preventDefault();
            const v = Number(ui['step-input'].value);
            if (!Number.isInteger(v) || v < 0 || v >= N) {
                status('There is no step ' + safe(ui['step-input'].value) + ': steps go from 0 to ' + (N - 1) + '.');
                return;
            }
            show(v);
        });
        ui['form-line'].addEventListener('submit', (ev) => {
            ev.preventDefault();
            runToLine(Number(ui['line-input'].value));
        });
        ui['opt-compact'].addEventListener('change', () => { opt.compact = ui['opt-compact'].checked; show(cur); });
        ui['opt-address'].addEventListener('change', () => { opt.address = ui['opt-address'].checked; show(cur); });
        document.addEventListener('keydown', onKey);
        $('app').hidden = false;
        ui.diagram.addEventListener('scroll', readView, { passive: true });
        window.addEventListener('resize', readView);
        readView();
    }

    function status(text) { ui.status.textContent = text; }

    function runToLine(line) {
        if (!Number.isInteger(line) || line < 1) {
            status('Type a line number first.');
            return;
        }
        const file = steps[cur].file;
        for (let i = cur + 1; i < N; i++) {
            const st = steps[i];
            if (st.line === line && st.file === file && st.event === 'line') {
                show(i);
                status('Line ' + line + ' is about to run at step ' + i + '.');
                return;
            }
        }
        status('Line ' + line + ' of ' + fileName(file) + ' does not run again after step ' + cur + '.');
    }

    function onKey(ev) {
        if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
        const t = ev.target;
        const typing = t && (t.tagName === 'INPUT' && t.type !== 'range' && t.type !== 'checkbox' || t.tagName === 'TEXTAREA');
        if (typing) return;
        let to = null;
        switch (ev.key) {
        case 'ArrowRight': to = cur + 1; break;
        case 'ArrowLeft': to = cur - 1; break;
        case 'Home': to = 0; break;
        case 'End': to = N - 1; break;
        case 'PageDown': to = cur + 10; break;
        case 'PageUp': to = cur - 10; break;
        default: return;
        }
        ev.preventDefault();
        show(to);
    }

    // ---------- the source pane ----------

    function buildSource(file) {
        srcFile = file;
        srcLines = [];
        marked = [];
        const box = ui.source;
        box.textContent = '';
        const lines = sources[file];
        ui['file-name'].textContent = fileName(file);
        if (!lines) {
            box.appendChild(h('p', 'muted', 'The source of this file was not recorded.'));
            return;
        }
        const frag = document.createDocumentFragment();
        lines.forEach((text, i) => {
            const ln = h('div', 'ln');
            ln.appendChild(h('span', 'no', String(i + 1)));
            ln.appendChild(h('span', 'mk', ''));
            ln.appendChild(h('span', 'tx', safe(text, true) || ' '));
            frag.appendChild(ln);
            srcLines.push(ln);
        });
        box.appendChild(frag);
    }

    function markLine(line, cls, glyph, label) {
        const el = srcLines[line - 1];
        if (!el) return;
        el.classList.add(cls);
        const mk = el.children[1];
        if (!mk.textContent) {
            mk.textContent = glyph;
            mk.title = label;
        }
        marked.push(el);
    }

    function drawSource(i) {
        const st = steps[i];
        if (st.file !== srcFile) buildSource(st.file);
        for (const el of marked) {
            el.classList.remove('next', 'ran', 'caller');
            el.children[1].textContent = '';
            el.children[1].removeAttribute('title');
        }
        marked = [];
        const frames = framesAt(i);
        const prev = i > 0 ? steps[i - 1] : null;
        const prevDepth = i > 0 ? framesAt(i - 1).length : 0;
        // the line about to run (or being entered / left)
        markLine(st.line, 'next', '▶', 'about to run');
        if (prev && prev.file === st.file && (prev.event === 'line' || prev.event === 'exception') &&
            frames.length <= prevDepth)
            markLine(prev.line, 'ran', '✓', 'just ran');
        for (let k = 0; k + 1 < frames.length; k++)
            if (frames[k].file === st.file) markLine(frames[k].line, 'caller', '↪', 'waiting for a call to return');
        const el = srcLines[st.line - 1];
        if (el) {
            const box = ui.source;
            const top = el.offsetTop - box.offsetTop;
            if (top < box.scrollTop || top + el.offsetHeight > box.scrollTop + box.clientHeight)
                box.scrollTop = Math.max(0, top - box.clientHeight / 3);
        }
    }

    // ---------- output ----------

    const OUT_SHOWN = 20000;

    function drawStdout(i) {
        const text = T.stdout || '';
        const n = stdoutChars[i];
        const pre = ui.stdout;
        pre.textContent = '';
        if (n > OUT_SHOWN) {
            pre.appendChild(h('span', 'cut', '… ' + (n - OUT_SHOWN) + ' earlier characters not shown …\n'));
            pre.appendChild(document.createTextNode(safe(text.slice(n - OUT_SHOWN, n), true)));
        } else {
            pre.appendChild(document.createTextNode(safe(text.slice(0, n), true)));
        }
        if (!n) pre.appendChild(h('span', 'cut', '(nothing printed yet)'));
        pre.scrollTop = pre.scrollHeight;
    }

    // ---------- who refers to what ----------

    function buildReferrers(st, frames) {
        const m = new Map();
        const add = (r, what) => {
            let a = m.get(r);
            if (!a) m.set(r, (a = []));
            a.push(what);
        };
        frames.forEach((f, fi) => f.locals.forEach((l) => add(l[1], { name: l[0], frame: fi })));
        for (const o of st.objs.values()) {
            if (o.items) o.items.forEach((r, k) => add(r, { parent: o.ref, slot: k }));
            else if (o.entries) o.entries.forEach((e, k) => { add(e[0], { parent: o.ref, slot: k, key: true }); add(e[1], { parent: o.ref, slot: k }); });
            else if (o.attrs) o.attrs.forEach((a, k) => add(a.ref, { parent: o.ref, slot: k, attr: a.name }));
        }
        return m;
    }

    // ---------- the diagram ----------

    function objLabel(o) {
        if (!o) return '?';
        return shortType(o) + ' #' + o.ref;
    }

    function rcText(o) {
        if (o.immortal || o.refcount === null) return 'immortal';
        return 'rc ' + o.refcount;
    }

    function sizeText(o) { return o.size + ' B'; }

    function arrowPath(x1, y1, x2, y2) {
        let dx = Math.max(40, (x2 - x1) / 2);
        if (x2 < x1 + 30) dx = 90;
        return 'M' + x1 + ' ' + y1 + ' C' + (x1 + dx) + ' ' + y1 + ' ' + (x2 - dx) + ' ' + y2 + ' ' + x2 + ' ' + y2;
    }

    function drawDiagram(i, st, prev) {
        const frames = framesAt(i);
        const compact = opt.compact;
        const objs = st.objs;
        const delta = steps[i];
        const fresh = new Set(), changed = new Set();
        if (delta.objects && i > 0)
            for (const o of delta.objects) (prev && prev.objs.has(o.ref) ? changed : fresh).add(o.ref);

        // where everything goes
        const rects = new Map();
        let frameRects = [];
        let W = 0, H = 0;
        if (hasLayout) {
            for (const [r, b] of st.boxes) rects.set(r, { x: b[1], y: b[2], w: b[3], h: b[4] });
            if (st.fboxes && st.fboxes.length === frames.length)
                frameRects = st.fboxes.map((b) => ({ x: b[0], y: b[1], w: b[2], h: b[3] }));
            if (st.size) { W = st.size[0]; H = st.size[1]; }
        } else {
            const pl = compact ? st.place.compact : st.place.full;
            for (const [r, rec] of pl.pos)
                rects.set(r, { x: G.objX + rec.col * G.colW, y: rec.y, w: G.boxW, h: rec.h });
        }
        if (frameRects.length !== frames.length) {
            frameRects = [];
            let y = G.top;
            for (const f of frames) {
                const fh = frameH(f);
                frameRects.push({ x: G.frameX, y, w: G.frameW, h: fh });
                y += fh + G.gap;
            }
        }
        // objects the layout did not place (should not happen): a column of their own
        let spareX = 0;
        for (const r of rects.values()) spareX = Math.max(spareX, r.x + r.w);
        spareX += 60;
        let spareY = G.top;
        for (const o of objs.values()) {
            if (rects.has(o.ref) || (compact && inlineable(o))) continue;
            const bh = boxH(o, compact);
            rects.set(o.ref, { x: spareX, y: spareY, w: G.boxW, h: bh });
            spareY += bh + G.gap;
        }
        for (const r of rects.values()) { W = Math.max(W, r.x + r.w + 20); H = Math.max(H, r.y + r.h + 20); }
        for (const r of frameRects) { W = Math.max(W, r.x + r.w + 20); H = Math.max(H, r.y + r.h + 20); }

        const svg = s('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'group',
                               'aria-label': 'Memory diagram of step ' + i });
        const defs = s('defs');
        for (const id of ['mv-head', 'mv-head-hl']) {
            const mk = s('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: id === 'mv-head' ? 8 : 6,
                                     markerHeight: id === 'mv-head' ? 8 : 6, orient: 'auto-start-reverse' });
            mk.appendChild(s('path', { d: 'M0 0 L10 5 L0 10 z' }));
            defs.appendChild(mk);
        }
        svg.appendChild(defs);
        const gFrames = s('g'), gObjs = s('g'), gArrows = s('g', { 'aria-hidden': 'true', class: 'arrows' });
        svg.appendChild(gFrames);
        svg.appendChild(gObjs);
        svg.appendChild(gArrows);
        incoming = new Map();
        boxEls = new Map();
        const arrows = [];   // [x, y, targetRef]

        const prevFrames = i > 0 ? framesAt(i - 1) : [];
        const maxChars = (w) => Math.max(3, Math.floor(w / G.charW));

        // a slot's value: inline text, or a dot where the arrow starts
        const slotValue = (g, ref, x, y, w, isKey) => {
            const o = objs.get(ref);
            if (compact && inlineable(o)) {
                g.appendChild(tx({ x, y: y + 14, class: 'inline' }, valueText(o), maxChars(w)));
            } else {
                const dx = x + w - 8, dy = y + G.row / 2;
                g.appendChild(s('circle', { cx: dx, cy: dy, r: 3.5, class: 'dot' }));
                if (!o && !rects.has(ref))
                    g.appendChild(s('text', { x: dx - 6, y: y + 14, 'text-anchor': 'end', class: 'sub' }, '#' + ref + ' not recorded'));
                else arrows.push([dx, dy, ref, isKey]);
            }
        };

        // frames
        frames.forEach((f, fi) => {
            const r = frameRects[fi];
            const current = fi === frames.length - 1;
            const g = s('g', { class: 'fr' + (current ? ' current' : '') });
            g.appendChild(s('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 4, class: 'box' }));
            const title = (current ? '▶ ' : '') + safe(f.function) + '  line ' + f.line;
            g.appendChild(tx({ x: r.x + 8, y: r.y + 17, class: 'head' }, title, maxChars(r.w - 12)));
            g.appendChild(s('rect', { x: r.x, y: r.y + G.fhead - 3, width: r.w, height: 1, class: 'sep' }));
            const pf = prevFrames[fi];
            const rowH = f.locals.length ? Math.min(G.row, (r.h - G.fhead - 4) / f.locals.length) : G.row;
            if (!f.locals.length)
                g.appendChild(s('text', { x: r.x + 10, y: r.y + G.fhead + 14, class: 'sub' }, '(no names yet)'));
            f.locals.forEach((l, k) => {
                const y = r.y + G.fhead + k * rowH;
                let cls = 'name';
                if (pf && pf.function === f.function) {
                    const old = pf.locals.find((x) => x[0] === l[0]);
                    if (!old || old[1] !== l[1]) cls += ' rebound';
                }
                const row = s('g', { class: cls });
                const nameW = compact ? Math.floor(r.w * 0.45) : r.w - 24;
                row.appendChild(tx({ x: r.x + 10, y: y + 14 }, safe(l[0]), maxChars(nameW)));
                if (compact) slotValue(row, l[1], r.x + nameW + 12, y, r.w - nameW - 16);
                else slotValue(row, l[1], r.x + r.w - 40, y, 40);
                g.appendChild(row);
            });
            gFrames.appendChild(g);
        });

        // objects (near the visible part only, when there are many)
        const cull = view && rects.size > CULL_ABOVE;
        const near = (r) => !cull || (r.x < view.x + view.w + CULL_MARGIN && r.x + r.w > view.x - CULL_MARGIN &&
                                      r.y < view.y + view.h + CULL_MARGIN && r.y + r.h > view.y - CULL_MARGIN);
        culled = false;
        const order = Array.from(rects.keys()).filter((r) => {
            if (!objs.has(r) || (compact && inlineable(objs.get(r)))) return false;
            if (near(rects.get(r))) return true;
            culled = true;
            return false;
        });
        order.sort((a, b) => {
            const ra = rects.get(a), rb = rects.get(b);
            return ra.x - rb.x || ra.y - rb.y;
        });
        for (const ref of order) {
            const o = objs.get(ref);
            const r = rects.get(ref);
            const cls = 'ob' + (o.immortal ? ' immortal' : '') + (fresh.has(ref) ? ' fresh' : '') +
                (changed.has(ref) ? ' changed' : '');
            const g = s('g', { class: cls, tabindex: 0, 'data-ref': ref, role: 'button',
                               'aria-label': describe(o, st) });
            g.appendChild(s('rect', { x: r.x - 3, y: r.y - 3, width: r.w + 6, height: r.h + 6, rx: 6, class: 'ring' }));
            g.appendChild(s('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 4, class: 'box' }));
            const badge = fresh.has(ref) ? 'new' : changed.has(ref) ? 'changed' : '';
            const mc = maxChars(r.w - 12);
            g.appendChild(tx({ x: r.x + 7, y: r.y + 15, class: 'head' }, shortType(o) + ' #' + ref, mc - (badge ? badge.length + 1 : 0)));
            if (badge)
                g.appendChild(s('text', { x: r.x + r.w - 6, y: r.y + 15, 'text-anchor': 'end', class: 'badge' }, badge));
            const sub = opt.address ? hex(o.id) + ' ' + rcText(o) : rcText(o) + ' · ' + sizeText(o);
            g.appendChild(s('text', { x: r.x + 7, y: r.y + 30, class: 'sub' }, cut(sub, mc)));
            g.appendChild(s('rect', { x: r.x, y: r.y + G.head - 1, width: r.w, height: 1, class: 'sep' }));
            const k = kind(o);
            const rows = nrows(o, compact);
            const rowH = Math.min(G.row, (r.h - G.head - 2) / rows);
            let y = r.y + G.head;
            const text = (x, t, c, n) => g.appendChild(tx({ x, y: y + 14, class: c || '' }, t, n));
            if (k === 'value') {
                text(r.x + 8, valueText(o), '', mc);
            } else if (k === 'opaque') {
                text(r.x + 8, '(contents not shown)', 'sub');
            } else {
                if (k === 'attrs' && 'value' in o) {
                    text(r.x + 8, (o.type === 'type' ? 'class ' : '') + valueText(o), '', mc);
                    y += rowH;
                }
                const sl = slots(o);
                if (!sl.length && !o.hidden && !titleRow(o)) text(r.x + 8, '(empty)', 'sub');
                for (const slot of sl) {
                    if (slot.key !== undefined && !compact) {
                        // two rows: the key, then its value
                        const ko = objs.get(slot.key);
                        text(r.x + 8, ko && inlineable(ko) ? 'key ' + valueText(ko) : 'key', 'lbl', maxChars(r.w - 30));
                        slotValue(g, slot.key, r.x + 10, y, r.w - 14, true);
                        y += rowH;
                        text(r.x + 16, '↳ value', 'lbl');
                        slotValue(g, slot.ref, r.x + 10, y, r.w - 14);
                    } else if (slot.key !== undefined) {
                        const ko = objs.get(slot.key);
                        const half = Math.floor(r.w / 2);
                        if (inlineable(ko)) {
                            text(r.x + 8, valueText(ko), '', maxChars(half - 14));
                        } else {
                            text(r.x + 8, 'key', 'lbl');
                            slotValue(g, slot.key, r.x + half - 24, y, 24, true);
                        }
                        text(r.x + half - 6, ':', 'lbl');
                        slotValue(g, slot.ref, r.x + half + 4, y, r.w - half - 8);
                    } else {
                        const lw = slot.label ? Math.min(Math.floor(r.w * 0.5), (slot.label.length + 1) * G.charW + 4) : 0;
                        if (slot.label) text(r.x + 8, slot.label, 'lbl', maxChars(lw));
                        slotValue(g, slot.ref, r.x + 10 + lw, y, r.w - lw - 14);
                    }
                    y += rowH;
                }
                if (o.hidden) text(r.x + 8, '… ' + o.hidden + ' more not recorded', 'sub');
            }
            g.addEventListener('mouseenter', () => { hover = ref; highlight(); });
            g.addEventListener('mouseleave', () => { if (hover === ref) hover = null; highlight(); });
            g.addEventListener('focus', () => { focusRef = ref; highlight(); });
            g.addEventListener('blur', () => { if (focusRef === ref) focusRef = null; highlight(); });
            boxEls.set(ref, g);
            gObjs.appendChild(g);
        }

        // arrows, on top so that where they start stays visible
        for (const [x, y, ref, isKey] of arrows) {
            const r = rects.get(ref);
            if (!r) continue;
            const ty = r.y + Math.min(18, r.h / 2);
            const p = s('path', { d: arrowPath(x, y, r.x - 1, ty), class: isKey ? 'arrow key' : 'arrow',
                                  'marker-end': 'url(#mv-head)', 'data-to': ref });
            let a = incoming.get(ref);
            if (!a) incoming.set(ref, (a = []));
            a.push(p);
            gArrows.appendChild(p);
        }

        // replaced in one go, without reading the layout: the scroll position
        // stays, and no synchronous layout is forced here
        const nodes = [svg];
        if (st.truncated || delta.truncated)
            nodes.push(h('p', 'muted', 'memview stopped walking at --max-objects; some objects are not shown.'));
        ui.diagram.replaceChildren(...nodes);
    }

    function describe(o, st) {
        const parts = [objLabel(o)];
        if (inlineable(o)) parts.push('value ' + valueText(o));
        parts.push(o.immortal || o.refcount === null ? 'immortal' : 'refcount ' + o.refcount);
        parts.push(o.size + ' bytes', 'id ' + hex(o.id));
        const refs = referrers.get(o.ref) || [];
        parts.push(refs.length + (refs.length === 1 ? ' arrow in' : ' arrows in'));
        return parts.join(', ');
    }

    function referrerText(w, st, frames) {
        if (w.name !== undefined) {
            const f = frames[w.frame];
            return 'name ' + safe(w.name) + (f ? ' in ' + safe(f.function) : '');
        }
        const p = st.objs.get(w.parent);
        if (w.attr !== undefined) return objLabel(p) + ' .' + safe(w.attr);
        if (w.key) return objLabel(p) + ' (a key)';
        if (p && p.entries) {
            const k = st.objs.get(p.entries[w.slot][0]);
            return objLabel(p) + '[' + (k && inlineable(k) ? cut(valueText(k), 20) : 'key #' + p.entries[w.slot][0]) + ']';
        }
        return objLabel(p) + '[' + w.slot + ']';
    }

    function highlight() {
        const ref = hover !== null ? hover : focusRef;
        for (const g of ui.diagram.querySelectorAll('.hl')) g.classList.remove('hl');
        for (const p of ui.diagram.querySelectorAll('path.arrow[marker-end="url(#mv-head-hl)"]'))
            p.setAttribute('marker-end', 'url(#mv-head)');
        const d = ui.details;
        d.textContent = '';
        if (ref === null) {
            d.appendChild(h('span', 'muted', 'Hover over an object, or reach it with Tab, to see every arrow into it with its id, refcount and size.'));
            return;
        }
        const st = stateAt(cur);
        const o = st.objs.get(ref);
        const g = boxEls.get(ref);
        if (g) g.classList.add('hl');
        for (const p of incoming.get(ref) || []) {
            p.classList.add('hl');
            p.setAttribute('marker-end', 'url(#mv-head-hl)');
        }
        if (!o) return;
        d.appendChild(h('span', 'obj', objLabel(o)));
        const bits = [];
        if (inlineable(o)) bits.push('value ' + cut(valueText(o), 80));
        bits.push('id ' + hex(o.id) + ' (' + o.id + ')');
        bits.push(o.immortal || o.refcount === null ? 'immortal: its reference count is not counted'
                                                    : 'refcount ' + o.refcount);
        bits.push('size ' + o.size + ' bytes');
        d.appendChild(document.createTextNode(' · ' + bits.join(' · ')));
        const refs = referrers.get(ref) || [];
        const frames = framesAt(cur);
        const shown = refs.slice(0, 12).map((w) => referrerText(w, st, frames));
        d.appendChild(h('br'));
        d.appendChild(document.createTextNode(
            (refs.length === 1 ? '1 arrow in, from: ' : refs.length + ' arrows in' + (refs.length ? ', from: ' : '')) +
            shown.join('; ') + (refs.length > shown.length ? '; and ' + (refs.length - shown.length) + ' more' : '') + '.'));
        if (o.refcount !== null && !o.immortal && o.refcount > refs.length)
            d.appendChild(document.createTextNode(' Its refcount (' + o.refcount + ') also counts references held outside this picture (by the interpreter, or objects not shown).'));
    }

    // ---------- narration ----------

    const IDENT = /[A-Za-z_\u00c0-\uffff][A-Za-z0-9_\u00c0-\uffff]*/g;

    function sourceLine(file, line) {
        const src = sources[file];
        return src && src[line - 1] !== undefined ? src[line - 1] : null;
    }

    function codeOf(text) {
        // drop a trailing comment (roughly: a # outside quotes)
        let q = null;
        for (let k = 0; k < text.length; k++) {
            const c = text[k];
            if (q) { if (c === '\\') k++; else if (c === q) q = null; }
            else if (c === '"' || c === "'") q = c;
            else if (c === '#') { text = text.slice(0, k); break; }
        }
        return text.trim();
    }

    // a narration under construction: sentences made of text, code and object parts
    function Story() { this.lines = []; }
    Story.prototype.say = function () { this.lines.push(Array.from(arguments)); };
    const code = (t) => ({ code: t });
    const obj = (o, ref) => ({ obj: o ? objLabel(o) : '#' + ref });

    function nameList(names) {
        const out = [];
        names.forEach((n, k) => {
            if (k) out.push(k === names.length - 1 ? ' and ' : ', ');
            if (Array.isArray(n)) out.push(code(safe(n[0])), ' (in ' + safe(n[1]) + ')');
            else out.push(code(safe(n)));
        });
        return out;
    }

    function sameObjectNames(ref, frames, except) {
        const out = [];
        for (const f of frames) for (const l of f.locals) if (l[1] === ref && l[0] !== except && !out.includes(l[0])) out.push(l[0]);
        return out;
    }

    function rcChange(a, b) {
        if (!a || !b || a.refcount === null || b.refcount === null || a.immortal) return '';
        return a.refcount !== b.refcount ? ' (refcount ' + a.refcount + ' → ' + b.refcount + ')' : '';
    }

    function isMadeNew(o, st) {
        if (!o || o.immortal || o.refcount === null) return false;
        return o.refcount <= (referrers.get(o.ref) || []).length;
    }

    function contentChange(a, b, st) {
        const out = [];
        if (a.items && b.items) {
            if (a.items.length !== b.items.length) out.push('len ' + a.items.length + ' → ' + b.items.length);
            else {
                const k = b.items.findIndex((r, j) => r !== a.items[j]);
                if (k >= 0) out.push('[' + k + '] now refers to ' + objLabel(st.objs.get(b.items[k])));
            }
        } else if (a.entries && b.entries) {
            if (a.entries.length !== b.entries.length) out.push(a.entries.length + ' → ' + b.entries.length + ' entries');
            else {
                const k = b.entries.findIndex((e, j) => e[0] !== a.entries[j][0] || e[1] !== a.entries[j][1]);
                if (k >= 0) {
                    const ko = st.objs.get(b.entries[k][0]);
                    out.push('[' + (ko && inlineable(ko) ? cut(valueText(ko), 24) : 'key #' + b.entries[k][0]) + '] now refers to ' + objLabel(st.objs.get(b.entries[k][1])));
                }
            }
        } else if (a.attrs && b.attrs) {
            for (const at of b.attrs) {
                const old = a.attrs.find((x) => x.name === at.name);
                if (!old) out.push('new attribute .' + safe(at.name));
                else if (old.ref !== at.ref) out.push('.' + safe(at.name) + ' now refers to ' + objLabel(st.objs.get(at.ref)));
                if (out.length >= 2) break;
            }
            for (const at of a.attrs) if (!b.attrs.find((x) => x.name === at.name)) out.push('attribute .' + safe(at.name) + ' removed');
        } else if ('value' in b) {
            out.push('value now ' + cut(valueText(b), 30));
        }
        return out.slice(0, 2).join(', ');
    }

    function narrate(i, st, prev) {
        const story = new Story();
        const d = steps[i];
        const frames = framesAt(i);
        const cf = frames[frames.length - 1];
        if (i === 0 || !prev) {
            story.say('The program starts: Python creates the module frame ', code('<module>'), ' for ',
                      code(fileName(d.file)), '. Its names are the module\'s globals.');
            return story;
        }
        const p = steps[i - 1];
        const pframes = framesAt(i - 1);
        const mentioned = new Set();

        // what ran
        const pline = sourceLine(p.file, p.line);
        const ran = p.event === 'line' && pline !== null ? codeOf(pline) : '';
        if (d.event === 'call' && frames.length > pframes.length) {
            const caller = frames[frames.length - 2];
            const args = cf.locals;
            story.say('Line ' + (caller ? caller.line : p.line) + (ran ? ' ' : ''), ran ? code(ran) : '',
                      ' called ', code(safe(cf.function)), ': a new frame is pushed on the call stack' +
                      (args.length ? ' with its parameters.' : '.'));
            for (const l of args) {
                const o = st.objs.get(l[1]);
                const callerNames = [];
                for (let k = 0; k < frames.length - 1; k++)
                    for (const x of frames[k].locals)
                        if (x[1] === l[1]) callerNames.push([x[0], frames[k].function]);
                mentioned.add(l[1]);
                if (callerNames.length)
                    story.say('Parameter ', code(safe(l[0])), ' refers to the caller\'s ', obj(o, l[1]),
                              ', the same object as ', ...nameList(callerNames), ': no copy is made' + rcChange(prev.objs.get(l[1]), o) + '.');
                else
                    story.say('Parameter ', code(safe(l[0])), ' refers to ', obj(o, l[1]),
                              o && inlineable(o) ? ' (' + cut(valueText(o), 40) + ')' : '', rcChange(prev.objs.get(l[1]), o) + '.');
            }
        } else if (d.event === 'return' && frames.length === 1) {
            story.say('The last line of the module has run' + (ran ? ' (' : ''), ran ? code(ran) : '', ran ? ')' : '',
                      ': the program is finishing. This is the final state memview recorded.');
        } else if (d.event === 'return') {
            const names = cf.locals.map((l) => l[0]);
            story.say(code(safe(cf.function)), ' is returning' + (ran ? ' after ' : ''), ran ? code(ran) : '',
                      '. Its frame' + (names.length ? ' and its names ' : ''), ...nameList(names),
                      ' go away at the next step; the objects they refer to stay only if something else refers to them.');
        } else if (d.event === 'exception') {
            const e = T.end || {};
            story.say('An exception was raised' + (ran ? ' by ' : ''), ran ? code(ran) : '',
                      e.reason === 'exception' && e.step === i && e.message ? ': ' + safe(e.message) : '', '.');
        } else if (frames.length < pframes.length) {
            const gone = pframes[pframes.length - 1];
            story.say('Back in ', code(safe(cf ? cf.function : '?')), ' after ', code(safe(gone.function)),
                      ' returned: its frame is gone' + (gone.locals.length ? ', and with it the names ' : '.'),
                      ...nameList(gone.locals.map((l) => l[0])), gone.locals.length ? '.' : '');
        } else if (p.event === 'call') {
            story.say('Inside ', code(safe(cf.function)), ': its body starts.');
        } else if (ran) {
            story.say('Line ' + p.line + ' ran: ', code(ran));
        } else {
            story.say('Step ' + i + ': ' + d.event + ' at line ' + d.line + '.');
        }

        // names: bound, rebound, gone (frames present in both steps)
        const changedRefs = new Set();
        const depth = Math.min(frames.length, pframes.length);
        for (let k = 0; k < depth; k++) {
            const f = frames[k], pf = pframes[k];
            if (f.function !== pf.function) continue;
            const where = k === frames.length - 1 ? '' : ' (in ' + safe(f.function) + ')';
            const before = new Map(pf.locals.map((l) => [l[0], l[1]]));
            for (const l of f.locals) {
                const was = before.get(l[0]);
                if (was === l[1]) continue;
                const o = st.objs.get(l[1]);
                mentioned.add(l[1]);
                const others = sameObjectNames(l[1], pframes, l[0]);
                const oldObj = was !== undefined ? prev.objs.get(was) : null;
                const parts = [code(safe(l[0])), where + ' now refers to '];
                if (others.length && prev.objs.has(l[1])) {
                    parts.push('the same ', obj(o, l[1]), ' as ', ...nameList(others));
                    parts.push(': a second arrow to one object, not a copy' + rcChange(prev.objs.get(l[1]), o));
                } else if (!prev.objs.has(l[1]) && isMadeNew(o, st)) {
                    parts.push('a new ', obj(o, l[1]));
                } else {
                    parts.push(obj(o, l[1]));
                    if (o && (o.immortal || o.refcount === null)) parts.push(' (an immortal object CPython shares; it was not created here)');
                    else parts.push(rcChange(prev.objs.get(l[1]), o));
                }
                if (o && inlineable(o)) parts.push(', value ' + cut(valueText(o), 40));
                if (oldObj) {
                    parts.push('; before, it referred to ', obj(oldObj, was));
                    if (!st.objs.has(was)) parts.push(', which nothing in the picture refers to any more');
                    mentioned.add(was);
                }
                parts.push('.');
                story.say(...parts);
            }
            const now = new Set(f.locals.map((l) => l[0]));
            for (const l of pf.locals)
                if (!now.has(l[0])) {
                    const o = prev.objs.get(l[1]);
                    mentioned.add(l[1]);
                    story.say('The name ', code(safe(l[0])), where + ' is gone' +
                              (st.objs.has(l[1]) ? '; ' : ''), st.objs.has(l[1]) ? obj(o, l[1]) : '',
                              st.objs.has(l[1]) ? ' is still reachable' + rcChange(o, st.objs.get(l[1])) + '.'
                                                : ', and nothing in the picture refers to ' + (o ? objLabel(o) : '#' + l[1]) + ' any more.');
                }
        }

        // objects whose content changed at this step
        const lineNames = new Set(ran.match(IDENT) || []);
        if (d.objects)
            for (const o of d.objects) {
                const a = prev.objs.get(o.ref);
                if (!a) continue;
                const how = contentChange(a, o, st);
                if (!how) continue;
                changedRefs.add(o.ref);
                mentioned.add(o.ref);
                const names = sameObjectNames(o.ref, frames, null);
                const through = names.filter((n) => lineNames.has(n));
                const others = names.filter((n) => !through.includes(n));
                const parts = [obj(o, o.ref), ' changed (' + how + ')'];
                if (through.length) parts.push(' through ', code(safe(through[0])));
                if (others.length && through.length) parts.push('; ', ...nameList(others), others.length > 1 ? ' refer to it too, and see the change' : ' refers to it too, and sees the change');
                else if (others.length) parts.push('; ', ...nameList(others), others.length > 1 ? ' refer to it' : ' refers to it');
                const holders = (referrers.get(o.ref) || []).filter((w) => w.parent !== undefined).slice(0, 2);
                if (holders.length)
                    parts.push(names.length ? '; it is also inside ' : '; it is inside ',
                               holders.map((w) => referrerText(w, st, frames)).join(' and '));
                parts.push('.');
                story.say(...parts);
            }

        // new objects not mentioned yet; names in the line that kept an unchanged object
        const made = [];
        if (d.objects)
            for (const o of d.objects)
                if (!prev.objs.has(o.ref) && !mentioned.has(o.ref) && isMadeNew(o, st)) made.push(o);
        if (made.length) {
            const parts = [ran ? 'It made ' : 'New: '];
            made.slice(0, 4).forEach((o, k) => {
                if (k) parts.push(k === Math.min(made.length, 4) - 1 ? ' and ' : ', ');
                parts.push('a new ', obj(o, o.ref));
            });
            if (made.length > 4) parts.push(' and ' + (made.length - 4) + ' more');
            parts.push('.');
            story.say(...parts);
        }
        // `t = s.upper()`: a method of s made something new, and s's object did not change
        const anyNew = d.objects && d.objects.some((o) => !prev.objs.has(o.ref));
        if (anyNew && cf && frames.length === pframes.length) {
            const kept = [];
            for (const n of lineNames) {
                if (!new RegExp('(^|[^A-Za-z0-9_.])' + n + '\\s*\\.\\s*[A-Za-z_]').test(ran)) continue;
                const l = cf.locals.find((x) => x[0] === n);
                const pl = pframes[pframes.length - 1].locals.find((x) => x[0] === n);
                if (l && pl && l[1] === pl[1] && !changedRefs.has(l[1]) && st.objs.has(l[1])) kept.push([n, l[1]]);
            }
            kept.slice(0, 2).forEach(([n, r]) =>
                story.say(obj(st.objs.get(r), r), ' (', code(safe(n)), ') is unchanged: the method made a new object instead of changing it.'));
        }

        // objects that left the picture, not mentioned yet
        if (d.drops) {
            const gone = d.drops.filter((r) => !mentioned.has(r)).map((r) => prev.objs.get(r)).filter(Boolean)
                .filter((o) => !o.immortal);
            if (gone.length) {
                const parts = ['Nothing in the picture refers to '];
                gone.slice(0, 4).forEach((o, k) => {
                    if (k) parts.push(k === Math.min(gone.length, 4) - 1 ? ' and ' : ', ');
                    parts.push(obj(o, o.ref));
                });
                if (gone.length > 4) parts.push(' and ' + (gone.length - 4) + ' more');
                parts.push(' any more' + (gone.length === 1 ? '; it is gone from the diagram.' : '; they are gone from the diagram.'));
                story.say(...parts);
            }
        }

        // reference counts that alone changed
        if (d.refcounts) {
            const rc = d.refcounts.filter((x) => !mentioned.has(x[0]) && prev.objs.has(x[0]));
            if (rc.length) {
                const parts = ['Reference count' + (rc.length > 1 ? 's' : '') + ' changed: '];
                rc.slice(0, 3).forEach((x, k) => {
                    if (k) parts.push(', ');
                    const o = st.objs.get(x[0]);
                    parts.push(obj(o, x[0]), ' ' + prev.objs.get(x[0]).refcount + ' → ' + x[1]);
                });
                if (rc.length > 3) parts.push(' and ' + (rc.length - 3) + ' more');
                parts.push('.');
                story.say(...parts);
            }
        }

        // output
        const a = stdoutChars[i - 1], b = stdoutChars[i];
        if (b > a) {
            const printed = (T.stdout || '').slice(a, b).replace(/\n$/, '');
            story.say('It printed ', code(cut(safe(printed), 120)), '.');
        }
        return story;
    }

    function drawNarration(i, st, prev) {
        const d = steps[i];
        const frames = framesAt(i);
        const where = frames.length ? safe(frames[frames.length - 1].function) : '';
        const what = { line: 'line ' + d.line + ' is about to run', call: 'entering ' + where,
                       return: 'returning from ' + where, exception: 'exception in ' + where }[d.event] || d.event;
        ui['h-step'].textContent = 'Step ' + i + ' of ' + (N - 1) + ': ' + what;
        const story = narrate(i, st, prev);
        const box = ui.narration;
        box.textContent = '';
        const render = (parts, into) => {
            for (const part of parts) {
                if (part === '' || part === undefined || part === null) continue;
                if (typeof part === 'string') into.appendChild(document.createTextNode(part));
                else if (part.code !== undefined) into.appendChild(h('code', '', part.code));
                else if (part.obj !== undefined) into.appendChild(h('span', 'obj', part.obj));
            }
        };
        const [head, ...rest] = story.lines;
        if (head) {
            const p = h('p');
            render(head, p);
            box.appendChild(p);
        }
        if (rest.length) {
            const ul = h('ul');
            for (const l of rest.slice(0, 10)) {
                const li = h('li');
                render(l, li);
                ul.appendChild(li);
            }
            box.appendChild(ul);
        }
    }

    // ---------- one step ----------

    function show(i) {
        if (!T) return;
        i = Math.max(0, Math.min(N - 1, Math.round(i)));
        if (!Number.isFinite(i)) i = 0;
        cur = i;
        const t0 = performance.now();
        const prev = i > 0 ? stateAt(i - 1) : null;
        const st = stateAt(i);
        const t1 = performance.now();
        const frames = framesAt(i);
        const active = document.activeElement;
        const refocus = active && ui.diagram.contains(active) && active.getAttribute('data-ref') !== null
            ? Number(active.getAttribute('data-ref')) : null;
        referrers = buildReferrers(st, frames);
        ui.slider.value = String(i);
        ui.counter.textContent = 'Step ' + i + ' / ' + (N - 1);
        ui['btn-first'].disabled = ui['btn-prev'].disabled = i === 0;
        ui['btn-next'].disabled = ui['btn-last'].disabled = i === N - 1;
        status(i === N - 1 ? 'Last step: ' + endText() + '.' : '');
        drawSource(i);
        drawStdout(i);
        const t2 = performance.now();
        diagram(i, st, prev, refocus);
        const t3 = performance.now();
        drawNarration(i, st, prev);
        timings = { state: t1 - t0, page: t2 - t1, diagram: t3 - t2, narration: performance.now() - t3 };
    }

    // draw the diagram; the object that had the keyboard focus keeps it
    function diagram(i, st, prev, refocus) {
        drawDiagram(i, st, prev);
        if (hover !== null && !st.objs.has(hover)) hover = null;
        focusRef = null;
        const again = refocus !== null ? boxEls.get(refocus) : null;
        if (again) again.focus({ preventScroll: true });
        else if (refocus !== null) ui.diagram.focus({ preventScroll: true });
        highlight();
    }

    function readView() {
        const b = ui.diagram;
        view = { x: b.scrollLeft, y: b.scrollTop, w: b.clientWidth || 800, h: b.clientHeight || 600 };
        if (!culled || redrawQueued) return;
        redrawQueued = true;
        requestAnimationFrame(() => {
            redrawQueued = false;
            const active = document.activeElement;
            const refocus = active && ui.diagram.contains(active) && active.getAttribute('data-ref') !== null
                ? Number(active.getAttribute('data-ref')) : null;
            diagram(cur, stateAt(cur), cur > 0 ? stateAt(cur - 1) : null, refocus);
        });
    }

    function start(trace) {
        load(trace);
        setupPage();
        let first = 0;
        const m = /^#step=(\d+)$/.exec(location.hash || '');
        if (m) first = Number(m[1]);
        show(first);
        window.memview.openedAt = performance.now();
    }

    function boot() {
        const el = $('memview-trace');
        const text = el ? el.textContent.trim() : '';
        if (text) {
            try {
                start(JSON.parse(text));
            } catch (e) {
                document.body.appendChild(h('p', 'error', 'memview: cannot show this trace: ' + e.message));
            }
            return;
        }
        // viewer.html opened as it is: ask for a trace file
        const loader = $('loader');
        loader.hidden = false;
        $('trace-file').addEventListener('change', (ev) => {
            const f = ev.target.files && ev.target.files[0];
            if (!f) return;
            const rd = new FileReader();
            rd.onload = () => {
                try {
                    start(JSON.parse(String(rd.result)));
                    loader.hidden = true;
                } catch (e) {
                    $('load-error').textContent = 'Cannot show ' + safe(f.name) + ': ' + e.message;
                }
            };
            rd.readAsText(f);
        });
    }

    // for tests and benchmarks
    window.memview = {
        show: (i) => show(i),
        step: () => cur,
        steps: () => N,
        timings: () => timings,
        state: (i) => stateAt(i === undefined ? cur : i),
    };

    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
    else boot();
})();
