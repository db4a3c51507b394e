// Build the self-contained viewer page from web/ and a trace JSON exactly as
// src/render/html.c does (same markers, same CSP, "<" in the data written
// \u003c). Used by the tests and the benchmark while `memview run -f html` is
// not available, and as a check that the two agree.
//
//   node tests/web/build_html.mjs TRACE.json OUT.html
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

export function buildHtml(traceJson) {
    const html = readFileSync(join(WEB, 'viewer.html'), 'utf8');
    const css = readFileSync(join(WEB, 'viewer.css'));
    const js = readFileSync(join(WEB, 'viewer.js'));
    const hash = createHash('sha256').update(js).digest('base64');
    const parts = {
        '<!-- memview:csp -->':
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
            `script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:; ` +
            "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'\">",
        '<link rel="stylesheet" href="viewer.css">': '<style>\n' + css.toString('utf8') + '</style>',
        '<script src="viewer.js"></script>': '<script>' + js.toString('utf8') + '</script>',
        '<script type="application/json" id="memview-trace"></script>':
            '<script type="application/json" id="memview-trace">' +
            traceJson.replace(/</g, '\\u003c') + '</script>',
    };
    let out = html;
    for (const [mark, text] of Object.entries(parts)) {
        const at = out.indexOf(mark);
        if (at < 0 || out.indexOf(mark, at + 1) >= 0)
            throw new Error(`web/viewer.html must contain ${mark} exactly once`);
        out = out.slice(0, at) + text + out.slice(at + mark.length);
    }
    return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const [trace, dest] = process.argv.slice(2);
    if (!trace || !dest) {
        console.error('usage: node build_html.mjs TRACE.json OUT.html');
        process.exit(2);
    }
    writeFileSync(dest, buildHtml(readFileSync(trace, 'utf8')));
}
