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
    // the pseudo-name under which a returning function's value is recorded
    // (docs/state-format.md)
    const RET = '<return>';
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
        const t0 = performance.now();
        precompute();
        openTimings.precompute = performance.now() - t0;
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
            for (const o of delta.objects) {
                const a = prev && prev.objs.get(o.ref);
                // a record that only says "unreachable now" is not a change of content
                if (!a) fresh.add(o.ref);
                else if (contentChange(a, o, st)) changed.add(o.ref);
            }

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
        // objects freed at this step: kept one step, greyed, where they were
        const ghosts = [];
        for (const [ref, ev] of freedAt(i, st, prev)) {
            const po = prev.objs.get(ref);
            if (compact && inlineable(po)) continue;
            let r = null;
            if (hasLayout) {
                const b = prev.boxes.get(ref);
                if (b) r = { x: b[1], y: b[2], w: b[3], h: b[4] };
            } else {
                const rec = (compact ? prev.place.compact : prev.place.full).pos.get(ref);
                if (rec) r = { x: G.objX + rec.col * G.colW, y: rec.y, w: G.boxW, h: rec.h };
            }
            // its place, unless a box of this step (or its label row) took it
            const hit = (q) => r && q.x < r.x + r.w && r.x < q.x + q.w && q.y < r.y + r.h + 4 && r.y - 14 < q.y + q.h;
            if (!r || Array.from(rects.values()).some(hit) || ghosts.some((g) => hit(g.r))) {
                r = { x: spareX, y: spareY + 14, w: G.boxW, h: G.head + 4 };
                spareY += G.head + 4 + G.gap + 14;
            }
            ghosts.push({ ref, o: po, r, ev });
        }
        for (const r of rects.values()) { W = Math.max(W, r.x + r.w + 20); H = Math.max(H, r.y + r.h + 20); }
        for (const r of frameRects) { W = Math.max(W, r.x + r.w + 20); H = Math.max(H, r.y + r.h + 20); }
        for (const g of ghosts) { W = Math.max(W, g.r.x + g.r.w + 20); H = Math.max(H, g.r.y + g.r.h + 20); }

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
                if (l[0] === RET) cls += ' retval';
                const row = s('g', { class: cls });
                const nameW = compact ? Math.floor(r.w * 0.45) : r.w - 24;
                row.appendChild(tx({ x: r.x + 10, y: y + 14 }, l[0] === RET ? 'return value' : safe(l[0]), maxChars(nameW)));
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
                (changed.has(ref) ? ' changed' : '') + (o.reachable === false ? ' unreachable' : '');
            const g = s('g', { class: cls, tabindex: 0, 'data-ref': ref, role: 'button',
                               'aria-label': describe(o, st) });
            g.appendChild(s('rect', { x: r.x - 3, y: r.y - 3, width: r.w + 6, height: r.h + 6, rx: 6, class: 'ring' }));
            g.appendChild(s('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 4, class: 'box' }));
            // the badge sits in the head line, inside the box, so that stacked
            // boxes never cover each other's labels
            const unreach = o.reachable === false && !fresh.has(ref);
            const badge = fresh.has(ref) ? 'new' : unreach ? 'unreachable' : changed.has(ref) ? 'changed' : '';
            const mc = maxChars(r.w - 12);
            g.appendChild(tx({ x: r.x + 7, y: r.y + 15, class: 'head' }, shortType(o) + ' #' + ref, mc - (badge ? badge.length + 1 : 0)));
            if (badge)
                g.appendChild(s('text', { x: r.x + r.w - 6, y: r.y + 15, 'text-anchor': 'end',
                                          class: unreach ? 'badge tag-unreach' : 'badge' }, badge));
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
            g.addEventListener('click', () => chooseRefcount(ref));
            g.addEventListener('keydown', (ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); chooseRefcount(ref); }
            });
            g.addEventListener('mouseenter', () => { hover = ref; highlight(); });
            g.addEventListener('mouseleave', () => { if (hover === ref) hover = null; highlight(); });
            g.addEventListener('focus', () => { focusRef = ref; highlight(); });
            g.addEventListener('blur', (ev) => {
                // moving to the details' buttons keeps the object chosen
                if (ev.relatedTarget && ui.details.contains(ev.relatedTarget)) return;
                if (focusRef === ref) focusRef = null;
                highlight();
            });
            boxEls.set(ref, g);
            gObjs.appendChild(g);
        }

        for (const gh of ghosts) {
            const r = gh.r, why = freedText(gh.ev);
            const g = s('g', { class: 'ob freed', 'data-freed': gh.ref, role: 'img',
                               'aria-label': objLabel(gh.o) + ' ' + why });
            g.appendChild(s('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 4, class: 'box' }));
            const mc = maxChars(r.w - 12);
            g.appendChild(tx({ x: r.x + 7, y: r.y + 15, class: 'head' }, shortType(gh.o) + ' #' + gh.ref, mc));
            g.appendChild(tx({ x: r.x + 7, y: r.y + 30, class: 'sub tag-freed' }, why, mc));
            g.appendChild(s('path', { d: 'M' + (r.x + 4) + ' ' + (r.y + 4) + 'L' + (r.x + r.w - 4) + ' ' + (r.y + r.h - 4), class: 'strike' }));
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
        if (w.name === RET) return 'the return value of ' + safe(frames[w.frame] ? frames[w.frame].function : '?');
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
        for (const g of document.querySelectorAll('#charts .hl')) g.classList.remove('hl');
        if (ref !== null) {
            for (const g of addrBars.get(ref) || []) g.classList.add('hl');
            for (const g of document.querySelectorAll('#pools rect.blk-obj[data-ref="' + ref + '"]')) g.classList.add('hl');
        }
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
        if (o.reachable === false)
            d.appendChild(document.createTextNode(' Unreachable: no name of the program reaches it any more, but it is still in memory, waiting for the cycle collector.'));
        const bt = blockText(o);
        if (bt) {
            d.appendChild(h('br'));
            d.appendChild(document.createTextNode('Memory: ' + bt + '.'));
        }
        if (ui.charts && !o.immortal && o.refcount !== null) {
            const b = h('button', 'chart-rc', 'Chart its refcount');
            b.type = 'button';
            b.addEventListener('click', () => {
                chooseRefcount(ref);
                ui['panel-rc'].scrollIntoView({ block: 'nearest' });
            });
            d.appendChild(document.createTextNode(' '));
            d.appendChild(b);
        }
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

    const IMMUTABLE_TYPES = new Set(['str', 'bytes', 'tuple', 'int', 'float', 'complex', 'frozenset', 'bool']);

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
        } else if ('value' in b && (a.value !== b.value || !!a.repr !== !!b.repr || a.length !== b.length)) {
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
            const names = cf.locals.map((l) => l[0]).filter((n) => n !== RET);
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
                if (l[0] === RET) {
                    // the pseudo-name of a return step: what the caller will get
                    const others = sameObjectNames(l[1], frames, RET);
                    const parts = [code(safe(f.function)), ' returns ', obj(o, l[1])];
                    if (o && inlineable(o)) parts.push(' (' + cut(valueText(o), 40) + ')');
                    if (others.length) parts.push(', the object ', ...nameList(others),
                                                  others.length > 1 ? ' refer to' : ' refers to', ': the caller gets a reference to it, not a copy');
                    parts.push('.');
                    story.say(...parts);
                    continue;
                }
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
                    const now1 = st.objs.get(l[1]);
                    story.say('The name ', code(safe(l[0])), where + ' is gone' +
                              (now1 ? '; ' : ''), now1 ? obj(o, l[1]) : '',
                              !now1 ? ', and nothing in the picture refers to ' + (o ? objLabel(o) : '#' + l[1]) + ' any more.'
                                  : now1.reachable === false ? ' is no longer reachable from any name, but it is still in memory' + rcChange(o, now1) + '.'
                                      : ' is still reachable' + rcChange(o, now1) + '.');
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
                // the lesson is about immutable values (str.upper(), tuple.count()):
                // a module or an instance whose method ran teaches nothing here
                const o = st.objs.get(l && l[1]);
                if (l && pl && l[1] === pl[1] && !changedRefs.has(l[1]) && o && IMMUTABLE_TYPES.has(o.type))
                    kept.push([n, l[1]]);
            }
            kept.slice(0, 2).forEach(([n, r]) =>
                story.say(obj(st.objs.get(r), r), ' (', code(safe(n)), ') is unchanged: the method made a new object instead of changing it.'));
        }

        // objects that left the picture, not mentioned yet
        if (d.drops) {
            const freedNow = new Set((Array.isArray(d.events) ? d.events : []).filter((e) => e && e.kind === 'free').map((e) => e.ref));
            const gone = d.drops.filter((r) => !mentioned.has(r) && !freedNow.has(r)).map((r) => prev.objs.get(r)).filter(Boolean)
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
        const events = memoryEvents(i, st, prev);
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
        if (events.length) {
            box.appendChild(h('p', 'ev-head', 'Memory at this step:'));
            const ul = h('ul', 'events');
            for (const [glyph, kind, ...parts] of events.slice(0, 12)) {
                const li = h('li', 'ev ev-' + kind);
                li.appendChild(h('span', 'ev-glyph', glyph)).setAttribute('aria-hidden', 'true');
                render(parts, li);
                ul.appendChild(li);
            }
            if (events.length > 12) ul.appendChild(h('li', 'muted', '… and ' + (events.length - 12) + ' more events.'));
            box.appendChild(ul);
        }
    }

    // ---------- memory events, charts and pools (docs/charts.md) ----------
    //
    // The series of every chart are computed once per trace (precompute(),
    // one pass over the steps' deltas, sampled to at most MAX_SAMPLES points);
    // a step only moves the charts' markers and rewrites their readouts. The
    // refcount series of the chosen object is one more pass, made when it is
    // chosen. Everything the program named (types, names) is shown as text.

    const TOP_TYPES = 8;          // series of their own; the rest is "other"
    const MAX_SAMPLES = 1000;     // points of a series, whatever the number of steps
    const MAX_LIVES = 3000;       // lifetimes drawn in the address chart (longest first)
    const MAX_POOLS = 12;         // pools drawn in the pool panel
    const POOL_SIZE = 16384, POOL_OVERHEAD = 48;
    // Okabe-Ito colours (told apart by colour-blind readers), each with its
    // own fill pattern, so a series is never told by colour alone
    const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#8c6bb1'];
    const OTHER_COLOUR = '#9a9a9a';
    const PATTERNS = ['', 'M0 8 L8 0', 'dots', 'M0 4 H8', 'M0 8 L8 0 M0 0 L8 8', 'M4 0 V8', 'M0 0 L8 8', 'M0 4 H8 M4 0 V8'];

    let MEM = null;           // {source, types, colours, samples, cnt, byt, maxCnt, maxByt}
    let LIVES = [];           // [{ref, type, addr, from, to, names, imm, unreach, end}]
    let lastLife = new Map(); // ref -> its most recent lifetime
    let memFrom = null;       // Int32Array: last step <= i that has "memory"
    let gcSteps = [];
    let hasBlocks = false, hasEvents = false;
    let typeColour = new Map();   // type name -> palette index (TOP_TYPES = other)
    let rcRef = null, rcSeries = null;
    const charts = {};        // chart name -> {svg, marker, x(step)}

    function fmtBytes(b) {
        if (b < 10240) return Math.round(b).toLocaleString('en') + ' B';
        if (b < 10 * 1048576) return (b / 1024).toFixed(1) + ' KiB';
        return (b / 1048576).toFixed(1) + ' MiB';
    }

    function fmtNum(n) { return Math.round(n).toLocaleString('en'); }

    // about n round tick values from 0 to max
    function ticks(max, n, integer) {
        if (!(max > 0)) return [0];
        const raw = max / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
        let stp = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) || raw;
        if (integer) stp = Math.max(1, Math.round(stp));
        const out = [];
        for (let v = 0; ; v += stp) {
            out.push(v);
            if (v >= max - 1e-9 * stp) break;
        }
        return out;
    }

    function precompute() {
        MEM = null; LIVES = []; lastLife = new Map(); gcSteps = []; hasBlocks = false; hasEvents = false;
        poolMarks = null; poolCache.mi = -1; poolCache.map = null; poolCache.checks = [];
        rcRef = null; rcSeries = null; typeColour = new Map();
        memFrom = new Int32Array(N);
        let useAlloc = false;
        for (let i = 0; i < N && !useAlloc; i++) {
            const m = steps[i].memory;
            if (m && Array.isArray(m.by_type)) useAlloc = true;
        }
        const S = Math.min(N, MAX_SAMPLES);
        const samples = new Int32Array(S);
        for (let k = 0; k < S; k++) samples[k] = S === N ? k : Math.round(k * (N - 1) / (S - 1));
        const tIdx = new Map(), tNames = [];
        const ti = (t) => {
            let k = tIdx.get(t);
            if (k === undefined) { k = tNames.length; tIdx.set(t, k); tNames.push(t); }
            return k;
        };
        const cnt = [], byt = [];     // picture mode: running totals per type index
        let totalB = 0;
        const add = (t, size, sign) => {
            const k = ti(t);
            cnt[k] = (cnt[k] || 0) + sign;
            byt[k] = (byt[k] || 0) + sign * (Number(size) || 0);
            totalB += sign * (Number(size) || 0);
        };
        const snaps = [];             // per sample: [type index, count, bytes, ...]
        const live = new Map();       // ref -> open lifetime
        let lastMem = -1, k = 0, best = -1;
        for (let i = 0; i < N; i++) {
            const d = steps[i];
            if (d.memory && Array.isArray(d.memory.by_type)) lastMem = i;
            memFrom[i] = lastMem;
            if (Array.isArray(d.events) && d.events.length) {
                hasEvents = true;
                if (d.events.some((e) => e && e.kind === 'gc')) gcSteps.push(i);
            }
            if (d.objects)
                for (const o of d.objects) {
                    if (o.block) hasBlocks = true;
                    let L = live.get(o.ref);
                    if (!L) {
                        L = { ref: o.ref, type: String(o.type), addr: Number(o.id), from: i, to: N - 1, names: [],
                              imm: !!o.immortal || o.refcount === null, unreach: -1, end: null, size: o.size };
                        live.set(o.ref, L);
                        lastLife.set(o.ref, L);
                        LIVES.push(L);
                        add(L.type, o.size, 1);
                    } else if (L.size !== o.size || L.type !== String(o.type)) {
                        add(L.type, L.size, -1);
                        L.type = String(o.type);
                        L.size = o.size;
                        add(L.type, L.size, 1);
                    }
                    if (o.reachable === false) { if (L.unreach < 0) L.unreach = i; }
                    else L.unreach = -1;
                }
            if (d.drops)
                for (const r of d.drops) {
                    const L = live.get(r);
                    if (!L) continue;
                    L.to = i - 1;
                    live.delete(r);
                    add(L.type, L.size, -1);
                }
            if (d.frames)
                for (const f of d.frames)
                    for (const l of f.locals) {
                        const L = live.get(l[1]);
                        const nm = l[0] === RET ? 'return value' : l[0];
                        if (L && L.names.length < 3 && !L.names.includes(nm)) L.names.push(nm);
                    }
            if (Array.isArray(d.events))
                for (const e of d.events)
                    if (e && e.kind === 'free' && e.ref !== undefined) {
                        const L = lastLife.get(e.ref);
                        if (L) L.end = e;
                    }
            // each bucket of steps [samples[k], samples[k + 1]) shows its step
            // with the most bytes, so that a short peak is not lost
            if (k + 1 < S && samples[k + 1] <= i) { k++; best = -1; }
            const m = useAlloc && lastMem >= 0 ? steps[lastMem].memory : null;
            const total = !useAlloc ? totalB : m ? (m.live_bytes !== undefined ? Number(m.live_bytes)
                : m.by_type.reduce((a, e) => a + (Array.isArray(e) ? Number(e[2]) || 0 : 0), 0)) : 0;
            if (total > best) {
                best = total;
                const snap = [];
                if (m) {
                    for (const e of m.by_type) if (Array.isArray(e)) snap.push(ti(String(e[0])), Number(e[1]) || 0, Number(e[2]) || 0);
                } else if (!useAlloc) {
                    for (let t = 0; t < cnt.length; t++) if (cnt[t]) snap.push(t, cnt[t], byt[t]);
                }
                snaps[k] = snap;
            }
        }
        // the biggest types (by peak bytes, then peak count) get series of their own
        const peakB = new Float64Array(tNames.length), peakC = new Float64Array(tNames.length);
        for (const sn of snaps)
            for (let j = 0; j < sn.length; j += 3) {
                peakC[sn[j]] = Math.max(peakC[sn[j]], sn[j + 1]);
                peakB[sn[j]] = Math.max(peakB[sn[j]], sn[j + 2]);
            }
        const order = tNames.map((_, t) => t).filter((t) => peakC[t] > 0 || peakB[t] > 0)
            .sort((a, b) => peakB[b] - peakB[a] || peakC[b] - peakC[a] || (tNames[a] < tNames[b] ? -1 : 1));
        const own = order.length <= TOP_TYPES + 1 ? order : order.slice(0, TOP_TYPES);
        const other = order.length > own.length;
        const series = own.length + (other ? 1 : 0);
        const slot = new Int32Array(tNames.length).fill(own.length);
        own.forEach((t, j) => { slot[t] = j; typeColour.set(tNames[t], j); });
        const sc = [], sb = [];
        for (let j = 0; j < series; j++) { sc.push(new Float64Array(S)); sb.push(new Float64Array(S)); }
        let maxC = 0, maxB = 0;
        snaps.forEach((sn, s) => {
            let tc = 0, tb = 0;
            for (let j = 0; j < sn.length; j += 3) {
                const q = slot[sn[j]];
                if (q >= series) continue;
                sc[q][s] += sn[j + 1];
                sb[q][s] += sn[j + 2];
                tc += sn[j + 1];
                tb += sn[j + 2];
            }
            maxC = Math.max(maxC, tc);
            maxB = Math.max(maxB, tb);
        });
        MEM = { source: useAlloc ? 'allocator' : 'picture', types: own.map((t) => tNames[t]), other,
                samples, cnt: sc, byt: sb, maxCnt: maxC, maxByt: maxB };
    }

    function colourIndex(type) {
        const k = typeColour.get(type);
        return k === undefined ? TOP_TYPES : k;
    }
    function colourOf(k) { return k >= PALETTE.length ? OTHER_COLOUR : PALETTE[k]; }

    // the shared <defs>: one fill pattern per series
    function patternDefs() {
        const svg = s('svg', { width: 0, height: 0, class: 'mv-defs', 'aria-hidden': 'true', focusable: 'false' });
        const defs = s('defs');
        for (let k = 0; k <= TOP_TYPES; k++) {
            const p = s('pattern', { id: 'mvp-' + k, patternUnits: 'userSpaceOnUse', width: 8, height: 8 });
            p.appendChild(s('rect', { width: 8, height: 8, fill: colourOf(k) }));
            const shape = k === TOP_TYPES ? 'dots' : PATTERNS[k];
            if (shape === 'dots') p.appendChild(s('circle', { cx: 4, cy: 4, r: 1.4, class: 'pat' }));
            else if (shape) p.appendChild(s('path', { d: shape, class: 'pat' }));
            defs.appendChild(p);
        }
        // free blocks in the all-pools panel
        const hatch = s('pattern', { id: 'mv-hatch', patternUnits: 'userSpaceOnUse', width: 4, height: 4 });
        hatch.appendChild(s('path', { d: 'M0 4L4 0', stroke: 'currentColor', 'stroke-width': 1, class: 'hatch' }));
        defs.appendChild(hatch);
        svg.appendChild(defs);
        return svg;
    }

    function swatch(k) {
        const sv = s('svg', { width: 16, height: 12, class: 'swatch', 'aria-hidden': 'true' });
        sv.appendChild(s('rect', { x: 0.5, y: 0.5, width: 15, height: 11, fill: 'url(#mvp-' + k + ')', class: 'sw' }));
        return sv;
    }

    // an x scale over steps [a, b + 1): step i is the band [x(i), x(i + 1))
    function xScale(a, b, left, width) {
        const span = Math.max(1, b + 1 - a);
        return (i) => left + (i - a) * width / span;
    }

    function xAxis(g, x, a, b, y, left, width) {
        g.appendChild(s('path', { d: 'M' + left + ' ' + y + ' h' + width, class: 'axis' }));
        const span = b - a;
        const tv = ticks(span, Math.max(2, Math.floor(width / 90)), true);
        for (const v of tv) {
            const i = a + v, xi = x(i + 0.5);
            g.appendChild(s('path', { d: 'M' + xi + ' ' + y + ' v4', class: 'axis' }));
            g.appendChild(s('text', { x: xi, y: y + 15, 'text-anchor': 'middle', class: 'tick' }, String(i)));
        }
    }

    function nowMarker(g, top, bottom) {
        const m = s('g', { class: 'now', 'aria-hidden': 'true' });
        m.appendChild(s('path', { d: 'M0 ' + top + ' V' + bottom }));
        m.appendChild(s('text', { x: 3, y: top - 3, class: 'now-label' }, ''));
        g.appendChild(m);
        return m;
    }

    function moveMarker(c, i, label) {
        if (!c || !c.marker) return;
        const inside = i >= c.a && i <= c.b;
        c.marker.style.display = inside ? '' : 'none';
        if (!inside) return;
        const xi = c.x(i + 0.5);
        c.marker.setAttribute('transform', 'translate(' + xi.toFixed(1) + ' 0)');
        const t = c.marker.lastChild;
        t.textContent = label;
        const right = xi > c.left + c.width * 0.75;
        t.setAttribute('text-anchor', right ? 'end' : 'start');
        t.setAttribute('x', right ? -3 : 3);
    }

    // clicking a chart goes to the step under the pointer
    function clickToStep(svg, c) {
        svg.addEventListener('click', (ev) => {
            const r = svg.getBoundingClientRect();
            const vx = (ev.clientX - r.left) * (c.W / r.width);
            if (vx < c.left || vx > c.left + c.width) return;
            const i = Math.floor(c.a + (vx - c.left) * (c.b + 1 - c.a) / c.width);
            show(Math.max(c.a, Math.min(c.b, i)));
        });
    }

    // ---- live objects and bytes, stacked by type ----

    function drawMemChart() {
        const box = ui['chart-mem'];
        box.textContent = '';
        const legend = ui['mem-legend'];
        legend.textContent = '';
        ui['mem-source'].textContent = MEM.source === 'allocator'
            ? 'All of the program\'s live objects, as the allocator counts them, stacked by type.'
            : 'Objects in the picture (reachable from the program\'s names), stacked by type: this trace has no allocator totals.';
        if (!MEM.samples.length) return;
        const W = 640, left = 64, width = W - left - 14, ph = 104, gap = 34, top = 22;
        const H = top + 2 * ph + gap + 26;
        const x = xScale(0, N - 1, left, width);
        const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'chart', role: 'img',
                               'aria-label': 'Live objects (top) and live bytes (bottom) over ' + N + ' steps, stacked by type' });
        const S = MEM.samples.length;
        const series = MEM.cnt.length;
        const panel = (data, max, y0, title, fmt, unit) => {
            const g = s('g', { class: 'panel' });
            const tv = ticks(max / unit, 3, true).map((v) => v * unit);
            const ymax = tv[tv.length - 1] || 1;
            const y = (v) => y0 + ph - v * ph / ymax;
            for (const v of tv) {
                g.appendChild(s('path', { d: 'M' + left + ' ' + y(v) + ' h' + width, class: v ? 'grid' : 'axis' }));
                g.appendChild(s('text', { x: left - 5, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
            }
            g.appendChild(s('text', { x: left, y: y0 - 6, class: 'ptitle' }, title));
            const base = new Float64Array(S);
            for (let q = 0; q < series; q++) {
                let up = '', down = '';
                for (let k = 0; k < S; k++) {
                    const a = MEM.samples[k], b = k + 1 < S ? MEM.samples[k + 1] : N;
                    const yt = y(base[k] + data[q][k]).toFixed(1), yb = y(base[k]).toFixed(1);
                    up += (k ? 'L' : 'M') + x(a).toFixed(1) + ' ' + yt + 'L' + x(b).toFixed(1) + ' ' + yt;
                    down = 'L' + x(b).toFixed(1) + ' ' + yb + 'L' + x(a).toFixed(1) + ' ' + yb + down;
                    base[k] += data[q][k];
                }
                const k = q < MEM.types.length ? q : TOP_TYPES;
                g.appendChild(s('path', { d: up + down + 'Z', fill: 'url(#mvp-' + k + ')', class: 'area' }));
            }
            svg.appendChild(g);
        };
        panel(MEM.cnt, MEM.maxCnt, top + 10, 'live objects', (v) => fmtNum(v), 1);
        // byte ticks are round in the unit they are written in
        const unit = MEM.maxByt >= 10 * 1048576 ? 1048576 : MEM.maxByt >= 10240 ? 1024 : 1;
        panel(MEM.byt, MEM.maxByt, top + 10 + ph + gap, 'live bytes',
              (v) => (unit === 1 ? fmtBytes(v) : fmtNum(v / unit) + (unit === 1024 ? ' KiB' : ' MiB')), unit);
        const g = s('g');
        xAxis(g, x, 0, N - 1, top + 10 + 2 * ph + gap, left, width);
        // collections: a dashed line through both panels, labelled "gc"
        if (gcSteps.length && gcSteps.length <= 60)
            for (const i of gcSteps) {
                g.appendChild(s('path', { d: 'M' + x(i + 0.5) + ' ' + (top + 10) + ' V' + (top + 10 + 2 * ph + gap), class: 'gcline' }));
                g.appendChild(s('text', { x: x(i + 0.5), y: top + 10 + 2 * ph + gap - 4, 'text-anchor': 'middle', class: 'gclabel' }, 'gc'));
            }
        svg.appendChild(g);
        const c = { a: 0, b: N - 1, x, left, width, W };
        c.marker = nowMarker(svg, top + 10, top + 10 + 2 * ph + gap);
        clickToStep(svg, c);
        charts.mem = c;
        box.appendChild(svg);
        const names = MEM.types.slice();
        if (MEM.other) names.push('other types');
        names.forEach((t, q) => {
            const li = h('li');
            li.appendChild(swatch(q < MEM.types.length ? q : TOP_TYPES));
            li.appendChild(document.createTextNode(q < MEM.types.length ? safe(t) : t));
            legend.appendChild(li);
        });
        if (gcSteps.length) {
            const li = h('li', 'gc-key');
            li.appendChild(h('span', 'gc-sw', 'gc'));
            li.appendChild(document.createTextNode('a collection (dashed line)'));
            legend.appendChild(li);
        }
    }

    // what the memory chart says at step i, as text
    function memReadout(i, st) {
        let rows = [];
        let total = 0, bytes = 0;
        if (MEM.source === 'allocator') {
            const k = memFrom[i];
            const m = k >= 0 ? steps[k].memory : null;
            if (!m) return 'Step ' + i + ': no allocator totals yet.';
            for (const e of m.by_type) if (Array.isArray(e)) rows.push([String(e[0]), Number(e[1]) || 0, Number(e[2]) || 0]);
            total = m.live_blocks !== undefined ? Number(m.live_blocks) : rows.reduce((a, r) => a + r[1], 0);
            bytes = m.live_bytes !== undefined ? Number(m.live_bytes) : rows.reduce((a, r) => a + r[2], 0);
        } else {
            const by = new Map();
            for (const o of st.objs.values()) {
                const r = by.get(o.type) || [String(o.type), 0, 0];
                r[1]++;
                r[2] += Number(o.size) || 0;
                by.set(o.type, r);
                total++;
                bytes += Number(o.size) || 0;
            }
            rows = Array.from(by.values());
        }
        rows.sort((a, b) => b[2] - a[2] || b[1] - a[1]);
        const what = MEM.source === 'allocator' ? ' live blocks, ' : ' objects in the picture, ';
        return 'Step ' + i + ': ' + fmtNum(total) + what + fmtBytes(bytes) +
            (rows.length ? ' — ' + rows.slice(0, 5).map((r) => safe(r[0]) + ' ' + fmtNum(r[1]) + ' (' + fmtBytes(r[2]) + ')').join(' · ') +
             (rows.length > 5 ? ' · and ' + (rows.length - 5) + ' more types' : '') : '') + '.';
    }

    // ---- the reference count of one object ----

    function refcountSeries(ref) {
        let rc = null, present = false, a = -1, b = -1, immortal = false, type = '?';
        const vals = new Float64Array(N).fill(NaN);
        for (let i = 0; i < N; i++) {
            const d = steps[i];
            if (d.objects)
                for (const o of d.objects)
                    if (o.ref === ref) {
                        present = true;
                        rc = o.refcount;
                        type = String(o.type);
                        if (o.immortal || o.refcount === null) immortal = true;
                    }
            if (d.refcounts)
                for (const x of d.refcounts) if (x[0] === ref) rc = x[1];
            if (d.drops && d.drops.includes(ref)) present = false;
            if (present && rc !== null) {
                vals[i] = rc;
                if (a < 0) a = i;
                b = i;
            }
        }
        return { ref, vals, a, b, immortal, type };
    }

    function chooseRefcount(ref) {
        rcRef = ref;
        rcSeries = refcountSeries(ref);
        ui['panel-rc'].open = true;
        drawRcChart();
        updateCharts(cur, stateAt(cur));
    }

    function drawRcChart() {
        const box = ui['chart-rc'];
        box.textContent = '';
        charts.rc = null;
        const R = rcSeries;
        if (!R) {
            box.appendChild(h('p', 'muted', 'Choose an object: click its box in the diagram, or focus it and use "Chart its refcount" below the diagram.'));
            return;
        }
        const name = safe(R.type) + ' #' + R.ref;
        if (R.immortal || R.a < 0) {
            box.appendChild(h('p', 'muted', name + (R.immortal ? ' is immortal: CPython does not count its references, so there is nothing to chart.'
                                                              : ' has no recorded reference count.')));
            return;
        }
        const W = 640, left = 48, width = W - left - 14, ph = 120, top = 32, H = top + ph + 30;
        const a = R.a, b = R.b;
        let max = 0;
        for (let i = a; i <= b; i++) if (R.vals[i] > max) max = R.vals[i];
        const tv = ticks(Math.max(1, max), 4, true), ymax = tv[tv.length - 1] || 1;
        const x = xScale(a, b, left, width), y = (v) => top + ph - v * ph / ymax;
        const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'chart', role: 'img',
                               'aria-label': 'Reference count of ' + name + ' from step ' + a + ' to step ' + b });
        for (const v of tv) {
            svg.appendChild(s('path', { d: 'M' + left + ' ' + y(v) + ' h' + width, class: v ? 'grid' : 'axis' }));
            svg.appendChild(s('text', { x: left - 5, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmtNum(v)));
        }
        svg.appendChild(s('text', { x: left, y: 12, class: 'ptitle' }, 'refcount of ' + name + ', steps ' + a + '–' + b));
        let d = '';
        const span = b + 1 - a;
        if (span <= 2 * width) {
            let open = false;
            for (let i = a; i <= b; i++) {
                const v = R.vals[i];
                if (Number.isNaN(v)) { open = false; continue; }
                const yy = y(v).toFixed(1);
                d += (open ? 'L' : 'M') + x(i).toFixed(1) + ' ' + yy + 'L' + x(i + 1).toFixed(1) + ' ' + yy;
                open = true;
            }
        } else {
            // more steps than pixels: each pixel column shows its lowest and highest count
            const cols = Math.ceil(width);
            for (let c = 0; c < cols; c++) {
                const i0 = a + Math.floor(c * span / cols), i1 = a + Math.floor((c + 1) * span / cols);
                let lo = Infinity, hi = -Infinity;
                for (let i = i0; i < Math.max(i1, i0 + 1); i++) {
                    const v = R.vals[i];
                    if (!Number.isNaN(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
                }
                if (hi >= lo) d += 'M' + (left + c + 0.5) + ' ' + y(lo).toFixed(1) + 'V' + (y(hi) - 1).toFixed(1);
            }
        }
        svg.appendChild(s('path', { d, class: 'rcline' }));
        const g = s('g');
        xAxis(g, x, a, b, top + ph, left, width);
        svg.appendChild(g);
        const c = { a, b, x, left, width, W };
        c.marker = nowMarker(svg, top, top + ph);
        clickToStep(svg, c);
        charts.rc = c;
        box.appendChild(svg);
    }

    // ---- where objects sit in the address space ----

    function drawAddrChart() {
        const box = ui['chart-addr'];
        box.textContent = '';
        charts.addr = null;
        addrBars = new Map();
        let lives = LIVES.filter((L) => Number.isFinite(L.addr) && L.to >= L.from);
        if (!lives.length) {
            box.appendChild(h('p', 'muted', 'No objects were recorded.'));
            return;
        }
        let dropped = 0;
        if (lives.length > MAX_LIVES) {
            dropped = lives.length - MAX_LIVES;
            lives = lives.slice().sort((p, q) => (q.to - q.from) - (p.to - p.from) || p.from - q.from).slice(0, MAX_LIVES);
        }
        const addrs = Array.from(new Set(lives.map((L) => L.addr))).sort((p, q) => p - q);
        const rank = new Map(addrs.map((v, k) => [v, k]));
        const W = 640, left = 112, width = W - left - 14, top = 18;
        const ph = Math.max(140, Math.min(420, addrs.length * 18));
        const H = top + ph + 30;
        const rowH = ph / addrs.length;
        const bar = Math.max(1.5, Math.min(8, rowH * 0.6));
        const x = xScale(0, N - 1, left, width);
        const y = (addr) => top + ph - (rank.get(addr) + 0.5) * rowH;
        const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'chart addr', role: 'img',
                               'aria-label': 'Addresses of ' + lives.length + ' objects over the steps: one bar per object, from the step it appeared to the step it left' });
        // regions: addresses more than 1 MiB apart are drawn as separate bands
        const labels = [];
        addrs.forEach((v, k) => {
            const gapBelow = k > 0 && v - addrs[k - 1] > 1048576;
            if (gapBelow) {
                const yy = top + ph - k * rowH;
                svg.appendChild(s('path', { d: 'M' + left + ' ' + yy + ' h' + width, class: 'region' }));
            }
            const first = k === 0 || gapBelow, last = k === addrs.length - 1 || addrs[k + 1] - v > 1048576;
            if (rowH >= 12 || first || last) labels.push([y(v), hex(v)]);
        });
        let lastY = Infinity;
        for (const [yy, t] of labels) {
            if (lastY - yy < 11) continue;
            svg.appendChild(s('text', { x: left - 5, y: yy + 4, 'text-anchor': 'end', class: 'tick mono' }, t));
            lastY = yy;
        }
        const placed = [];   // label boxes [x0, x1, y0, y1]
        const free = (bx) => !placed.some((p) => bx[0] < p[1] && p[0] < bx[1] && bx[2] < p[3] && p[2] < bx[3]);
        const gBars = s('g'), gLabels = s('g', { class: 'blabels' });
        for (const L of lives) {
            const x0 = x(L.from), x1 = x(L.to + 1), yy = y(L.addr);
            const k = colourIndex(L.type);
            const unreachFrom = L.unreach >= 0 ? L.unreach : L.to + 1;
            const cls = 'bar' + (L.imm ? ' imm' : '');
            const g = s('g', { class: cls, 'data-ref': L.ref });
            const tip = safe(L.type) + ' #' + L.ref + ' at ' + hex(L.addr) + ', steps ' + L.from + '–' + L.to +
                (L.names.length ? ', names ' + L.names.map((n) => safe(n)).join(', ') : '') +
                (L.unreach >= 0 ? ', unreachable from step ' + L.unreach : '') + (L.end ? ', ' + freedText(L.end) : '');
            g.appendChild(s('title', null, tip));
            g.appendChild(s('rect', { x: x0.toFixed(1), y: (yy - bar / 2).toFixed(1), width: Math.max(1.5, x(unreachFrom) - x0).toFixed(1),
                                      height: bar.toFixed(1), fill: colourOf(k) }));
            if (L.unreach >= 0)
                g.appendChild(s('rect', { x: x(unreachFrom).toFixed(1), y: (yy - bar / 2).toFixed(1),
                                          width: Math.max(1.5, x1 - x(unreachFrom)).toFixed(1), height: bar.toFixed(1), class: 'unreach-bar' }));
            if (L.end && rowH >= 6)
                g.appendChild(s('text', { x: (x1 + 2).toFixed(1), y: (yy + 3.5).toFixed(1), class: 'endmark' }, '✕'));
            gBars.appendChild(g);
            let a = addrBars.get(L.ref);
            if (!a) addrBars.set(L.ref, (a = []));
            a.push(g);
            g.addEventListener('click', (ev) => { ev.stopPropagation(); chooseRefcount(L.ref); });
            // a label for named objects where it does not cover another one
            if (L.names.length && placed.length < 60) {
                const t = L.names.map((n) => safe(n)).join(', ') + ' · ' + safe(L.type) + ' #' + L.ref;
                const tw = Math.min(t.length, 40) * 6.2;
                const lx = Math.min(x0 + 2, left + width - tw), ly = yy - bar / 2 - 2;
                const bx = [lx, lx + tw, ly - 9, ly + 1];
                if (ly - 9 > top - 14 && free(bx)) {
                    placed.push(bx);
                    gLabels.appendChild(tx({ x: lx.toFixed(1), y: ly.toFixed(1), class: 'blabel' }, t, 40));
                }
            }
        }
        svg.appendChild(gBars);
        svg.appendChild(gLabels);
        const g = s('g');
        xAxis(g, x, 0, N - 1, top + ph, left, width);
        svg.appendChild(g);
        const c = { a: 0, b: N - 1, x, left, width, W };
        c.marker = nowMarker(svg, top, top + ph);
        clickToStep(svg, c);
        charts.addr = c;
        box.appendChild(svg);
        const note = 'Addresses in order, not to scale (a dashed line: a gap of more than 1 MiB). ' +
            'Hatched: unreachable, still in memory; ✕: freed. Click a bar to chart its refcount.' +
            (dropped ? ' ' + dropped + ' shorter-lived objects are not drawn.' : '');
        box.appendChild(h('p', 'muted small', note));
    }
    let addrBars = new Map();
    const openTimings = {};   // ms spent opening the page on the charts (for benchmarks)

    // ---- the blocks and pools of the objects in the picture ----

    function drawPools(i, st) {
        const box = ui['pools'];
        const alloc = T.allocator || (memFrom[i] >= 0 && steps[memFrom[i]].memory.allocator) || null;
        const pools = new Map(), big = [];
        for (const o of st.objs.values()) {
            const b = o.block;
            if (!b || typeof b !== 'object') continue;
            if (b.malloc) { big.push(o); continue; }
            if (b.pool === undefined) continue;
            const key = String(b.pool);
            let p = pools.get(key);
            if (!p) pools.set(key, (p = { pool: key, sc: Number(b.size_class) || 16, arena: b.arena, objs: [] }));
            p.objs.push(o);
        }
        const nodes = [];
        if (!pools.size && !big.length) {
            let why;
            if (alloc && alloc !== 'pymalloc')
                why = 'The allocator is ' + safe(alloc) + ', not pymalloc: objects do not live in pymalloc\'s pools, so there is no pool view.';
            else if (!hasBlocks)
                why = 'This trace has no block positions (it was recorded without allocator information).';
            else
                why = 'No object in the picture has a known block at this step.';
            nodes.push(h('p', 'muted', why));
            box.replaceChildren(...nodes);
            return;
        }
        nodes.push(h('p', 'muted small', 'Each pool is 16 KiB of blocks of one size class. Filled squares: the blocks of the objects in the picture; ' +
            'the other blocks may be used or free (every pool: the panel "All of pymalloc\'s pools").'));
        const list = Array.from(pools.values()).sort((p, q) => (p.arena || 0) - (q.arena || 0) || (p.pool < q.pool ? -1 : 1));
        const names = namesOf(i);
        for (const p of list.slice(0, MAX_POOLS)) {
            const n = Math.max(1, Math.floor((POOL_SIZE - POOL_OVERHEAD) / p.sc));
            const cols = 32, cell = 9, rows = Math.ceil(n / cols);
            const fig = h('figure', 'pool');
            const cap = h('figcaption', '', 'pool ' + safe(p.pool) + (p.arena !== undefined ? ' · arena ' + safe(p.arena) : '') +
                ' · ' + p.sc + '-byte blocks (' + n + ' per pool) · ' + p.objs.length + ' shown');
            fig.appendChild(cap);
            const W = cols * cell + 2, H = rows * cell + 2;
            const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'poolgrid', role: 'img',
                                   'aria-label': 'Blocks of pool ' + safe(p.pool) + ': ' + p.objs.map((o) => objLabel(o) + ' in block ' + o.block.index).join(', ') });
            let d = '';
            for (let k = 0; k < n; k++) d += 'M' + (1 + (k % cols) * cell) + ' ' + (1 + Math.floor(k / cols) * cell) + 'h7v7h-7z';
            svg.appendChild(s('path', { d, class: 'blk' }));
            const items = h('ul', 'pool-objs');
            for (const o of p.objs.sort((u, v) => u.block.index - v.block.index)) {
                const k = Number(o.block.index);
                if (!(k >= 0 && k < n)) continue;
                const r = s('rect', { x: 1 + (k % cols) * cell, y: 1 + Math.floor(k / cols) * cell, width: 7, height: 7,
                                      class: 'blk-obj', 'data-ref': o.ref, fill: colourOf(colourIndex(String(o.type))) });
                r.appendChild(s('title', null, objLabel(o) + ' · block ' + k));
                svg.appendChild(r);
                const nm = names.get(o.ref);
                items.appendChild(h('li', '', objLabel(o) + ' → block ' + k + (nm ? ' (' + nm + ')' : '') +
                    (o.reachable === false ? ' · unreachable' : '')));
            }
            fig.appendChild(svg);
            fig.appendChild(items);
            nodes.push(fig);
        }
        if (list.length > MAX_POOLS) nodes.push(h('p', 'muted small', '… and ' + (list.length - MAX_POOLS) + ' more pools.'));
        if (big.length)
            nodes.push(h('p', 'small', 'Not in a pool (larger than 512 bytes, from malloc): ' +
                big.slice(0, 8).map((o) => objLabel(o) + ' ' + (Number(o.block.size) || o.size) + ' B').join(', ') +
                (big.length > 8 ? ' and ' + (big.length - 8) + ' more' : '') + '.'));
        box.replaceChildren(...nodes);
    }

    // ---- every pool of pymalloc at a step, from the trace's pool timeline ----
    // (docs/events-format.md, "The pool timeline"): the steps with "pools" are
    // marks; the pools at step i are every mark up to i applied in order.

    const MAX_ARENAS = 16;        // arenas drawn in the all-pools panel
    const PT_CHECK = 128;         // a copy of the pools every PT_CHECK marks
    let poolMarks = null;         // the steps with "pools", in order
    const poolCache = { mi: -1, map: null, checks: [] };

    function poolMarkIndex(i) {
        if (!poolMarks) {
            poolMarks = [];
            steps.forEach((d, k) => { if (Array.isArray(d.pools)) poolMarks.push(k); });
        }
        let lo = 0, hi = poolMarks.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (poolMarks[mid] <= i) lo = mid + 1; else hi = mid;
        }
        return lo - 1;
    }

    // pool address -> [pool, arena, arena address, size class, used, free, never] at step i
    function poolsAt(i) {
        const mi = poolMarkIndex(i);
        if (mi < 0) return null;
        let from = -1, map = new Map();
        if (poolCache.map && poolCache.mi <= mi) {
            from = poolCache.mi;
            map = poolCache.map;
        } else {
            for (let c = Math.floor(mi / PT_CHECK); c >= 0; c--)
                if (poolCache.checks[c]) { from = c * PT_CHECK; map = new Map(poolCache.checks[c]); break; }
        }
        for (let m = from + 1; m <= mi; m++) {
            for (const c of steps[poolMarks[m]].pools) {
                if (!Array.isArray(c) || c.length < 7) continue;
                if (Number(c[3]) > 0) map.set(String(c[0]), c); else map.delete(String(c[0]));
            }
            if (m % PT_CHECK === 0 && !poolCache.checks[m / PT_CHECK]) poolCache.checks[m / PT_CHECK] = new Map(map);
        }
        poolCache.mi = mi;
        poolCache.map = map;
        return { pools: map, asOf: poolMarks[mi] };
    }

    function drawAllPools(i, st) {
        const box = ui['allpools'], readout = ui['allpools-readout'];
        const alloc = T.allocator || null;
        const at = poolsAt(i);
        if (!at) {
            readout.textContent = '';
            box.replaceChildren(h('p', 'muted', alloc && alloc !== 'pymalloc'
                ? 'The allocator is ' + safe(alloc) + ', not pymalloc: there are no arenas or pools to show.'
                : 'This trace has no pool timeline (it was recorded without memory events, or by an older memview).'));
            return;
        }
        // by arena address, then pool address
        const arenas = new Map();
        for (const c of at.pools.values()) {
            const key = String(c[2]);
            let a = arenas.get(key);
            if (!a) arenas.set(key, (a = { addr: key, index: c[1], pools: [] }));
            a.pools.push(c);
        }
        const changed = new Set(at.asOf === i ? steps[i].pools.map((c) => String(c[0])) : []);
        const shown = new Map();   // pool -> objects of the picture in it
        for (const o of st.objs.values())
            if (o.block && o.block.pool !== undefined) {
                const k = String(o.block.pool);
                shown.set(k, (shown.get(k) || []).concat([o]));
            }
        let used = 0, usedBytes = 0, freeBytes = 0, npools = 0;
        for (const c of at.pools.values()) {
            npools++;
            used += Number(c[4]);
            usedBytes += Number(c[4]) * Number(c[3]);
            freeBytes += (Number(c[5]) + Number(c[6])) * Number(c[3]);
        }
        let t = 'Step ' + i + ': ' + arenas.size + (arenas.size === 1 ? ' arena, ' : ' arenas, ') + npools + ' pools in use, ' +
            used.toLocaleString('en-US') + ' blocks used (' + fmtBytes(usedBytes) + '), ' + fmtBytes(freeBytes) + ' free in those pools.';
        if (at.asOf === i && i > 0 && changed.size) t += ' ' + changed.size + (changed.size === 1 ? ' pool' : ' pools') + ' changed at this step (green).';
        else if (at.asOf !== i) t += ' (As read at step ' + at.asOf + '; in a long run the pools are read every few steps.)';
        readout.textContent = t;

        const nodes = [h('p', 'muted small', 'Each arena is 1 MiB of 16 KiB pools. A bar is one pool: filled, its used blocks; hatched, ' +
            'its free blocks; empty, blocks never used yet. Dashed: a pool with no block. Outlined dark: a pool holding an object of the picture.')];
        const list = Array.from(arenas.values()).sort((a, b) => (a.addr < b.addr ? -1 : 1));
        const cols = 32, cw = 12, ch = 26;
        const tip = h('p', 'readout small pool-tip', '');
        for (const a of list.slice(0, MAX_ARENAS)) {
            const base = parseInt(a.addr, 16), first = Math.ceil(base / POOL_SIZE) * POOL_SIZE;
            const total = Math.floor((base + (1 << 20) - first) / POOL_SIZE);
            const div = h('div', 'arena');
            const inUse = a.pools.length;
            div.appendChild(h('div', 'arena-cap', 'arena ' + safe(a.index) + ' · ' + safe(a.addr) + ' · ' + inUse + ' of ' + total + ' pools in use'));
            const rows = Math.ceil(total / cols);
            const W = cols * cw + 2, H = rows * (ch + 4) + 2;
            // a few paths per arena, not elements per pool: this panel is redrawn at
            // every step; a pointer over a bar names its pool in the line below
            const byAddr = new Map(a.pools.map((c) => [String(c[0]), c]));
            const d = { slot: '', frame: '', used: '', free: '', changed: '', shown: '' };
            const at = [];
            let nchanged = 0;
            for (let k = 0; k < total; k++) {
                const addr = '0x' + (first + k * POOL_SIZE).toString(16);
                const x = 2 + (k % cols) * cw, y = 1 + Math.floor(k / cols) * (ch + 4), w = cw - 3;
                const c = byAddr.get(addr);
                at.push(c ? [addr, c] : null);
                const box = 'M' + x + ' ' + y + 'h' + w + 'v' + ch + 'h' + -w + 'z';
                if (!c) { d.slot += box; continue; }
                const nu = Number(c[4]), nf = Number(c[5]), nn = Number(c[6]);
                const n = Math.max(1, nu + nf + nn);
                const hu = +(ch * nu / n).toFixed(1), hf = +(ch * nf / n).toFixed(1);
                d.frame += box;
                if (hu > 0) d.used += 'M' + x + ' ' + (y + ch - hu) + 'h' + w + 'v' + hu + 'h' + -w + 'z';
                if (hf > 0) d.free += 'M' + x + ' ' + (y + ch - hu - hf) + 'h' + w + 'v' + hf + 'h' + -w + 'z';
                if (changed.has(addr) && i > 0) { d.changed += box; nchanged++; }
                if (shown.has(addr)) d.shown += box;
            }
            const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img',
                                   'aria-label': 'Arena ' + safe(a.index) + ': ' + inUse + ' of ' + total + ' pools in use',
                                   'data-pools': inUse, 'data-changed': nchanged });
            for (const k of ['slot', 'frame', 'used', 'free', 'shown', 'changed'])
                if (d[k]) svg.appendChild(s('path', { d: d[k], class: k }));
            svg.addEventListener('mousemove', (ev) => {
                const r = svg.getBoundingClientRect();
                const k = Math.floor((ev.clientX - r.left - 2) / cw) + cols * Math.floor((ev.clientY - r.top - 1) / (ch + 4));
                const e = at[k];
                if (!e) { tip.textContent = k >= 0 && k < total ? 'a pool with no block' : ''; return; }
                const [addr, c] = e, objs = shown.get(addr) || [];
                tip.textContent = 'pool ' + addr + ' · ' + c[3] + '-byte blocks · ' + c[4] + ' used, ' + c[5] + ' free, ' + c[6] + ' never used' +
                    (objs.length ? ' · holds ' + objs.slice(0, 4).map((o) => objLabel(o)).join(', ') + (objs.length > 4 ? ' and ' + (objs.length - 4) + ' more' : '') : '');
            });
            svg.addEventListener('mouseleave', () => { tip.textContent = ''; });
            div.appendChild(svg);
            nodes.push(div);
        }
        if (list.length > MAX_ARENAS) nodes.push(h('p', 'muted small', '… and ' + (list.length - MAX_ARENAS) + ' more arenas.'));
        nodes.push(tip);
        box.replaceChildren(...nodes);
    }

    // ref -> the names referring to it at step i ("x, y")
    function namesOf(i) {
        const m = new Map();
        for (const f of framesAt(i))
            for (const l of f.locals) {
                const n = l[0] === RET ? 'return value' : safe(l[0]);
                m.set(l[1], m.has(l[1]) ? m.get(l[1]) + ', ' + n : n);
            }
        return m;
    }

    function setupCharts() {
        for (const id of ['charts', 'panel-mem', 'chart-mem', 'mem-legend', 'mem-source', 'mem-readout', 'panel-rc', 'chart-rc',
                          'rc-readout', 'panel-addr', 'chart-addr', 'panel-pools', 'pools', 'panel-allpools', 'allpools',
                          'allpools-readout'])
            ui[id] = $(id);
        if (!ui.charts) return;
        ui.charts.hidden = false;
        const old = document.querySelector('svg.mv-defs');
        if (old) old.remove();
        document.body.appendChild(patternDefs());
        drawMemChart();
        drawRcChart();
        drawAddrChart();
        for (const id of ['panel-mem', 'panel-rc', 'panel-addr', 'panel-pools', 'panel-allpools'])
            ui[id].addEventListener('toggle', () => updateCharts(cur, stateAt(cur)));
    }

    // per step: markers and readouts only
    function updateCharts(i, st) {
        if (!ui.charts) return;
        if (ui['panel-mem'].open) {
            moveMarker(charts.mem, i, 'step ' + i);
            ui['mem-readout'].textContent = memReadout(i, st);
        }
        if (ui['panel-rc'].open) {
            const R = rcSeries;
            moveMarker(charts.rc, i, R && !Number.isNaN(R.vals[i]) ? 'rc ' + R.vals[i] : 'step ' + i);
            let t = '';
            if (R && !R.immortal && R.a >= 0) {
                const v = R.vals[i];
                if (!Number.isNaN(v)) {
                    const refs = buildReferrers(st, framesAt(i)).get(R.ref) || [];
                    t = 'Step ' + i + ': ' + safe(R.type) + ' #' + R.ref + ' has refcount ' + v +
                        (refs.length ? '; held by ' + refs.slice(0, 6).map((w) => referrerText(w, st, framesAt(i))).join(', ') +
                         (refs.length > 6 ? ' and ' + (refs.length - 6) + ' more' : '') : '') + '.';
                } else {
                    t = 'Step ' + i + ': ' + safe(R.type) + ' #' + R.ref + ' is not in the picture (it is there from step ' + R.a + ' to ' + R.b + ').';
                }
            }
            ui['rc-readout'].textContent = t;
        }
        if (ui['panel-addr'].open) moveMarker(charts.addr, i, 'step ' + i);
        if (ui['panel-pools'].open) drawPools(i, st);
        if (ui['panel-allpools'] && ui['panel-allpools'].open) drawAllPools(i, st);
    }

    // ---- events: what the allocator and the collector did at a step ----

    function freedText(e) {
        if (e.cause === 'gc') return 'freed by gc' + (e.generation !== undefined ? ' gen ' + e.generation : '');
        if (e.cause === 'reused') return 'freed: address reused' + (e.by !== undefined ? ' by #' + e.by : '');
        if (e.cause === 'refcount') return 'freed: refcount 0';
        return 'freed';
    }

    function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : (/s$/.test(word) ? 'es' : 's')); }

    // "2 Person objects" / "a list"
    function typeCounts(types) {
        const m = new Map();
        for (const t of types) m.set(t, (m.get(t) || 0) + 1);
        return Array.from(m.entries()).map(([t, n]) => n + ' ' + safe(t) + (n === 1 ? ' object' : ' objects')).join(', ');
    }

    function blockText(o) {
        const b = o && o.block;
        if (!b || typeof b !== 'object') return '';
        if (b.malloc) return (Number(b.size) || o.size) + ' bytes from malloc: too big for pymalloc\'s pools';
        return (b.size_class ? b.size_class + '-byte block' : 'a block') + (b.pool !== undefined ? ' in pool ' + safe(b.pool) : '') +
            (b.index !== undefined ? ', block ' + b.index : '') + (b.arena !== undefined ? ', arena ' + b.arena : '');
    }

    // lines for the "memory events" list of step i: [glyph, kind, parts...]
    function memoryEvents(i, st, prev) {
        const out = [];
        const evs = Array.isArray(steps[i].events) ? steps[i].events.filter((e) => e && typeof e === 'object') : [];
        const known = (r) => st.objs.get(r) || (prev && prev.objs.get(r)) || null;
        const label = (r, type) => {
            const o = known(r);
            if (o) return obj(o, r);
            const L = lastLife.get(r);
            return { obj: (L ? safe(L.type) : safe(type || '?')) + ' #' + r };
        };
        // objects that became unreachable at this step
        if (prev) {
            const newly = [];
            for (const o of st.objs.values())
                if (o.reachable === false) {
                    const p = prev.objs.get(o.ref);
                    if (!p || p.reachable !== false) newly.push(o);
                }
            if (newly.length) {
                const set = new Set(newly.map((o) => o.ref));
                const inner = (o) => (o.items || []).concat((o.entries || []).flat(), (o.attrs || []).map((a) => a.ref));
                const cycle = newly.some((o) => inner(o).some((r) => set.has(r)));
                const what = typeCounts(newly.map((o) => o.type));
                if (cycle)
                    out.push(['⚠', 'unreachable', 'A cycle of ' + what + ' became unreachable (still in memory): no name reaches ' +
                              (newly.length === 1 ? 'it' : 'them') + ', but ' + (newly.length === 1 ? 'it refers to itself' : 'they refer to each other') +
                              ', so the reference counts stay above 0 until the cycle collector runs.']);
                else
                    out.push(['⚠', 'unreachable', what + ' became unreachable from the program\'s names but ' +
                              (newly.length === 1 ? 'is' : 'are') + ' still in memory.']);
            }
        }
        const gcFreed = new Set();
        for (const e of evs)
            if (e.kind === 'gc') {
                const freed = Array.isArray(e.freed) ? e.freed : [];
                freed.forEach((r) => gcFreed.add(r));
                const types = freed.map((r) => { const o = known(r); const L = lastLife.get(r); return o ? o.type : L ? L.type : '?'; });
                const extra = evs.filter((f) => f.kind === 'free' && f.ref === undefined && f.count);
                const shown = freed.length ? typeCounts(types) : '';
                const others = extra.map((f) => f.count + ' ' + safe(f.type) + (f.count === 1 ? ' object' : ' objects')).join(', ');
                const total = Number(e.collected);
                const parts = ['Collection (generation ' + (e.generation !== undefined ? safe(e.generation) : '?') +
                               (e.automatic === false ? ', asked for by gc.collect()' : e.automatic ? ', automatic' : '') + ') freed '];
                if (shown) parts.push(shown);
                if (shown && others) parts.push(' and ' + others + ' not in the picture');
                else if (others) parts.push(others + ' not in the picture');
                if (!shown && !others) parts.push(Number.isFinite(total) ? plural(total, 'object') : 'nothing shown here');
                else if (Number.isFinite(total)) parts.push(' (' + plural(total, 'object') + ' in all)');
                const tail = [];
                if (Number(e.uncollectable) > 0) tail.push(plural(Number(e.uncollectable), 'uncollectable object'));
                if (e.duration_ms !== undefined && Number.isFinite(Number(e.duration_ms))) tail.push('took ' + Number(e.duration_ms).toFixed(2) + ' ms');
                parts.push(tail.length ? '; ' + tail.join(', ') + '.' : '.');
                out.push(['♻', 'gc', ...parts]);
            }
        // objects never in the picture: one line for what was made, one for what
        // was freed (a print() alone makes and frees a dozen), biggest types first
        const unshown = (kind, verb) => {
            const es = evs.filter((e) => e.kind === kind && e.ref === undefined && Number(e.count) > 0)
                .sort((a, b) => Number(b.count) - Number(a.count));
            if (!es.length) return null;
            const n = es.reduce((t, e) => t + Number(e.count), 0);
            const bytes = es.every((e) => e.bytes !== undefined) ? ' (' + fmtBytes(es.reduce((t, e) => t + (Number(e.bytes) || 0), 0)) + ')' : '';
            if (es.length === 1)
                return verb + ' ' + n + ' ' + safe(es[0].type || '?') + (n === 1 ? ' object' : ' objects') + ' not in the picture' + bytes + '.';
            const shown = es.slice(0, 4).map((e) => e.count + ' ' + safe(e.type || '?'));
            const rest = es.length - shown.length;
            return verb + ' ' + n + ' objects not in the picture' + bytes + ': ' + shown.join(', ') +
                (rest ? ' and ' + rest + ' more type' + (rest === 1 ? '' : 's') : '') + '.';
        };
        for (const e of evs) {
            if (e.kind !== 'free') continue;
            if (e.ref === undefined) continue;
            if (e.cause === 'gc' && gcFreed.has(e.ref)) continue;
            if (e.cause === 'reused') {
                const by = e.by !== undefined ? label(e.by) : { obj: 'a new object' };
                out.push(['↺', 'reused', by, ' reused the address of ', label(e.ref, e.type),
                          ': ', label(e.ref, e.type), ' had been kept on a free list after it left the picture, and its memory now holds a new object.']);
            } else if (e.cause === 'gc') {
                out.push(['✕', 'free', label(e.ref, e.type), ' freed by the cycle collector' +
                          (e.generation !== undefined ? ' (generation ' + safe(e.generation) + ')' : '') + '.']);
            } else if (e.last !== undefined) {
                out.push(['✕', 'free', label(e.ref, e.type), ' freed: its last reference ', code(safe(e.last)), ' went away (refcount 0).']);
            } else {
                out.push(['✕', 'free', label(e.ref, e.type), ' freed' + (e.cause === 'refcount' ? ': its reference count reached 0.' : '.')]);
            }
        }
        for (const e of evs) {
            if (e.kind !== 'alloc' || e.ref === undefined) continue;
            const o = known(e.ref);
            const where = blockText(o) || (e.block ? e.block + '-byte block' : e.size !== undefined ? e.size + ' bytes' : '');
            out.push(['+', 'alloc', 'Made ', label(e.ref, e.type), where ? ' (' + where + ').' : '.']);
        }
        const made = unshown('alloc', 'Made');
        if (made) out.push(['+', 'alloc', made]);
        const gone = evs.some((g) => g.kind === 'gc') ? null : unshown('free', 'Freed');
        if (gone) out.push(['✕', 'free', gone]);
        return out;
    }

    // the objects freed at step i that were drawn at step i - 1: ref -> event
    function freedAt(i, st, prev) {
        const m = new Map();
        if (!prev || !Array.isArray(steps[i].events)) return m;
        for (const e of steps[i].events)
            if (e && e.kind === 'free' && e.ref !== undefined && prev.objs.has(e.ref) && !st.objs.has(e.ref)) m.set(e.ref, e);
        return m;
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
        const t4 = performance.now();
        updateCharts(i, st);
        timings = { state: t1 - t0, page: t2 - t1, diagram: t3 - t2, narration: t4 - t3, charts: performance.now() - t4 };
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
        const t0 = performance.now();
        setupCharts();
        openTimings.charts = performance.now() - t0;
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
        memory: () => MEM && { source: MEM.source, types: MEM.types.slice(), other: MEM.other, samples: MEM.samples.length },
        lifetimes: () => LIVES.length,
        openTimings: () => Object.assign({}, openTimings),
        chartRefcount: (ref) => chooseRefcount(ref),
        refcountSeries: () => rcSeries && { ref: rcSeries.ref, a: rcSeries.a, b: rcSeries.b,
                                            values: Array.from(rcSeries.vals.slice(Math.max(0, rcSeries.a), rcSeries.b + 1)) },
    };

    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
    else boot();
})();
