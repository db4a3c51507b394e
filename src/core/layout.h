/* Layout of the memory picture: where every frame, object box and arrow of a
 * step goes. One implementation shared by every picture (svg.c, png.c via
 * the SVG, dot.c's position hints, and the HTML viewer through the trace
 * JSON: docs/layout-format.md). No Python, no rendering here.
 *
 * The picture. Frames are stacked in a column on the left, outermost at the
 * top; each frame is a box with a header (function, file:line) and one row
 * per local name. Objects are boxes on a grid of columns to the right: a
 * header (#ref, type, size, refcount) and one row per slot (list element,
 * dict entry, attribute) or the value. Every reference drawn is an arrow
 * (an "edge") from the row holding it to the header of the object's box; an
 * object referred to from several rows is drawn once with several arrows.
 *
 * Stability. The layout is incremental: mv_layout_step() is called for each
 * step in order (or once, for a single picture), and the picture of step N
 * depends on steps 0..N. An object entering the picture gets a place once:
 * a grid column (its depth from the frames: names -> column 0, what they
 * refer to -> column 1, ..., capped) and the free spot of that column nearest
 * to the row that first refers to it. It keeps that place while it stays in
 * the picture. A box that grows pushes the boxes below it in its column down
 * just as far as needed; nothing else ever moves. An object that leaves the
 * picture frees its spot. Columns have a soft height limit that grows with
 * the picture, so a 500-node chain wraps into further columns instead of
 * one endless column.
 *
 * Invariants (tested in tests/unit/test_layout.c): boxes never overlap (in a
 * column they are kept VGAP apart, and a box is never wider than its column);
 * an object present in consecutive steps keeps x (always) and y (unless a box
 * above it in its column grew); arrows run only along rows of their own
 * boxes, in the channels between columns, or along horizontal lanes found
 * free of boxes in every column they cross.
 *
 * Text. Every string the layout stores is "visible text": program text
 * (names, values, type and file names) with every control character, bidi
 * control, lone surrogate and noncharacter replaced by a Python-style escape
 * (\x00, \u202e, \udc80), so it is valid UTF-8 with no character a renderer
 * must worry about except its own syntax (XML's & < > " ', DOT's " \).
 * Widths are measured in columns of a monospace font (MV_LAYOUT_CHAR_W10
 * tenths of a pixel each; East Asian wide and emoji count two). */
#ifndef MV_CORE_LAYOUT_H
#define MV_CORE_LAYOUT_H

#include "trace.h"
#include "vis.h"

/* ---- metrics (pixels) ---- */

#define MV_LAYOUT_FONT_PX 12   /* monospace font size the widths assume */
#define MV_LAYOUT_CHAR_W10 72  /* one column = 7.2 px (DejaVu Sans Mono 12px: 7.22) */
#define MV_LAYOUT_HEADER_H 36  /* header band of a box: two lines (the viewer draws type/#ref, then refcount · size) */
#define MV_LAYOUT_ROW_H 20     /* one row */
#define MV_LAYOUT_BOTTOM 4     /* padding below the last row */
#define MV_LAYOUT_PAD_X 8      /* text inset from a box's left and right sides */
#define MV_LAYOUT_ANCHOR_IN 8  /* an arrow starts this far inside its box's right side */
#define MV_LAYOUT_MARGIN 16    /* around the whole picture */
#define MV_LAYOUT_FRAME_W 200  /* width of every frame box */
#define MV_LAYOUT_COL_W 240    /* width of a grid column = widest object box */
#define MV_LAYOUT_GAP 80       /* channel between columns, where arrows run */
#define MV_LAYOUT_VGAP 16      /* at least this between boxes of one column */
#define MV_LAYOUT_MIN_W 72     /* narrowest object box */
#define MV_LAYOUT_MAX_ROWS 100 /* default rows per box before "… N more" */

/* x of grid column c (c >= 0). */
#define MV_LAYOUT_COL_X(c)                                                                  \
    (MV_LAYOUT_MARGIN + MV_LAYOUT_FRAME_W + MV_LAYOUT_GAP +                                 \
     (int32_t)(c) * (MV_LAYOUT_COL_W + MV_LAYOUT_GAP))
/* Top of row i of a box whose top is y. */
#define MV_LAYOUT_ROW_Y(y, i) ((y) + MV_LAYOUT_HEADER_H + (int32_t)(i) * MV_LAYOUT_ROW_H)

/* ---- options ---- */

typedef struct mv_layout_opts {
    bool inline_scalars; /* false (default): every object, 5 and None too, is its own
                            box with arrows to it, which shows sharing. true: a slot
                            holding a scalar (None, bool, int, float, complex, str,
                            bytes) shows its value in the row, with no box or arrow */
    bool address;        /* a first row "id 0x…" (the real id()) in every object box */
    uint32_t max_rows;   /* element rows per box before "… N more" (0 = 100) */
} mv_layout_opts;

/* ---- results ---- */

typedef enum mv_lrow_kind {
    MV_LR_LOCAL = 0, /* frame: a local name (label) and its object */
    MV_LR_VALUE,     /* the value of a scalar, a function's signature, a module's or
                        class's name (value) */
    MV_LR_NOTE,      /* under a cut value: its full length, "len 5000" (value) */
    MV_LR_ITEM,      /* list/tuple/set element: "[i]" (label) */
    MV_LR_ENTRY,     /* dict entry: the key's text and ":" (label), the value */
    MV_LR_KEY,       /* dict entry whose key is not a scalar: the key's own row, with
                        an arrow to it, just before the entry's MV_LR_ENTRY row */
    MV_LR_ATTR,      /* attribute: its name (label) */
    MV_LR_MORE,      /* "… N more" (value): elements not recorded or not shown */
    MV_LR_EMPTY,     /* "(empty)" container / "(no names)" frame (value) */
    MV_LR_ADDR       /* "id 0x7f…" (value), with mv_layout_opts.address */
} mv_lrow_kind;

typedef struct mv_lrow {
    uint8_t kind;        /* mv_lrow_kind */
    bool arrow;          /* an edge starts at this row */
    bool missing;        /* refers to an object the state does not hold (the walk was
                            cut): value says "#ref ?" */
    uint32_t index;      /* the model's index: element, entry, attribute or local */
    uint32_t target;     /* ref the row refers to (0: none) */
    uint32_t label, label_len; /* visible text at mv_lbox.text + label (may be empty) */
    uint32_t value, value_len; /* visible text after the label: an inline value, a
                                  note; empty when the row has an arrow */
    uint16_t label_cols, value_cols; /* their widths in columns */
} mv_lrow;

enum mv_lbox_flags {
    MV_LB_NEW = 1u << 0,      /* entered the picture at this step */
    MV_LB_MOVED = 1u << 1,    /* x or y differs from the previous step */
    MV_LB_RESIZED = 1u << 2,  /* w or h differs */
    MV_LB_CONTENT = 1u << 3,  /* content (value, slots, type, size) differs */
    MV_LB_REFCOUNT = 1u << 4, /* the reference count differs */
    MV_LB_CURRENT = 1u << 5,  /* frames: the innermost (current) frame */
    MV_LB_IMMUTABLE = 1u << 6 /* objects: MV_OF_IMMUTABLE, or an immutable kind */
};

/* A frame or an object box. Strings are at text + offset (visible text). */
typedef struct mv_lbox {
    uint32_t ref;        /* object ref; 0 for a frame */
    uint32_t frame;      /* frames: index in mv_state.frames (0 = outermost) */
    int32_t col;         /* grid column; -1 for frames */
    int32_t x, y, w, h;
    uint32_t flags;      /* mv_lbox_flags, relative to the previous mv_layout_step */
    const char *text;
    uint32_t title, title_len; /* objects: type name; frames: function name */
    uint32_t meta, meta_len;   /* objects: "88 B"; frames: "file.py:12" */
    uint32_t badge, badge_len; /* objects: "refs 2" or "immortal"; frames: empty */
    uint16_t title_cols, meta_cols, badge_cols;
    uint32_t nrows;
    const mv_lrow *rows;
} mv_lbox;

enum mv_ledge_flags {
    MV_LE_NEW = 1u << 0,    /* no edge from this row at the previous step */
    MV_LE_CHANGED = 1u << 1 /* target or path differs from the previous step */
};

/* An arrow from a row to an object box: a polyline of orthogonal segments
 * (x0, y0, x1, y1, ...). The first point is the row's anchor (ANCHOR_IN
 * inside its box's right side, the row's middle); the last is on the target
 * box's left side (or its right side, when to_right) at the middle of its
 * header band. */
typedef struct mv_ledge {
    bool from_frame;  /* source is frame `from` (index), else object ref `from` */
    bool to_right;    /* enters the target from the right (target not to the right
                         of the source: same column, or a back reference) */
    uint8_t flags;    /* mv_ledge_flags */
    uint32_t from;
    uint32_t row;     /* row index in the source box */
    uint32_t to;      /* target ref */
    uint32_t npts;    /* points (2..6) */
    const int32_t *pts;
} mv_ledge;

typedef struct mv_layout mv_layout;

/* New empty layout. opts may be NULL (defaults). MV_ENOMEM. Free with
 * mv_layout_free (NULL is fine). */
mv_status mv_layout_new(mv_layout **out, const mv_layout_opts *opts);
void mv_layout_free(mv_layout *l);
const mv_layout_opts *mv_layout_get_opts(const mv_layout *l);

/* Advance to the state st: the state of the step after the previous call's
 * (or any state: the layout only assumes that objects with one ref are one
 * object). Everything returned below describes st and stays valid until the
 * next mv_layout_step or mv_layout_free; strings and refs come from st and
 * its trace, which must outlive that use. MV_EINVAL for NULL arguments,
 * MV_ENOMEM (then the layout is reset: the next step lays out from scratch). */
mv_status mv_layout_step(mv_layout *l, const mv_state *st);

/* Number of mv_layout_step calls that succeeded since the layout was new or
 * reset (so 1 after the first). */
uint32_t mv_layout_steps(const mv_layout *l);

/* Total picture size, margins included. */
void mv_layout_size(const mv_layout *l, int32_t *w, int32_t *h);
bool mv_layout_size_changed(const mv_layout *l);

size_t mv_layout_nframes(const mv_layout *l);
const mv_lbox *mv_layout_frame(const mv_layout *l, size_t i);
/* The number of frames or the geometry (x, y, w, h) of one differs from the
 * previous step (text such as the line number is not geometry). */
bool mv_layout_frames_changed(const mv_layout *l);

/* Object boxes, sorted by ref. */
size_t mv_layout_nboxes(const mv_layout *l);
const mv_lbox *mv_layout_box(const mv_layout *l, size_t i);
/* The box of ref, or NULL if it is not in the picture. */
const mv_lbox *mv_layout_find(const mv_layout *l, uint32_t ref);
/* Refs whose boxes left the picture at this step (sorted). */
size_t mv_layout_ngone(const mv_layout *l);
uint32_t mv_layout_gone(const mv_layout *l, size_t i);

/* Edges: frames' first (by frame, row), then objects' (by ref, row). */
size_t mv_layout_nedges(const mv_layout *l);
const mv_ledge *mv_layout_edge(const mv_layout *l, size_t i);
/* Edges of the previous step that no longer exist (their source row no longer
 * has an arrow). Returned as (from_frame, from, row) in the mv_ledge fields;
 * npts is 0. */
size_t mv_layout_nedges_gone(const mv_layout *l);
const mv_ledge *mv_layout_edge_gone(const mv_layout *l, size_t i);

/* Anything at all differs from the previous step (geometry, boxes, edges):
 * false means the picture moved nothing and only content may differ. */
bool mv_layout_changed(const mv_layout *l);

/* Columns -> pixels, rounded up. */
int32_t mv_layout_px(size_t cols);

#endif
