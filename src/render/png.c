/* PNG output: the SVG picture (svg.c) rasterized by librsvg onto a cairo
 * image surface. Contract in render.h. This is the only file that includes
 * librsvg or cairo; without librsvg (MV_HAVE_RSVG undefined, see the
 * top-level CMakeLists.txt) it builds as a stub that says PNG is not
 * available, so everything else builds without it. librsvg and cairo
 * allocate through glib/malloc, not mv_malloc: their memory is theirs. */
#include "render.h"

#ifdef MV_HAVE_RSVG

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>

bool
mv_render_png_available(void)
{
    return true;
}

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int len)
{
    mv_buf *out = closure;
    mv_buf_append(out, data, len);
    return out->failed ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

mv_status
mv_render_png_scaled(const char *svg, size_t n, double scale, mv_buf *out)
{
    if (!svg || !out || !(scale > 0) || !isfinite(scale))
        return MV_EINVAL;
    mv_status rc = MV_OK;
    GError *err = NULL;
    RsvgHandle *h = NULL;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;

    h = rsvg_handle_new_from_data((const guint8 *)svg, n, &err);
    if (!h) {
        rc = MV_EFORMAT;
        goto out;
    }
    rsvg_handle_set_dpi(h, 96.0);
    gdouble w = 0, hh = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hh) || !(w > 0) || !(hh > 0)) {
        rc = MV_EFORMAT;
        goto out;
    }
    double side = (w > hh ? w : hh) * scale;
    if (side > MV_PNG_MAX_SIDE)
        scale *= MV_PNG_MAX_SIDE / side;
    int pw = (int)ceil(w * scale), ph = (int)ceil(hh * scale);
    if (pw < 1)
        pw = 1;
    if (ph < 1)
        ph = 1;
    surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        rc = MV_ENOMEM;
        goto out;
    }
    cr = cairo_create(surf);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = MV_ENOMEM;
        goto out;
    }
    cairo_scale(cr, scale, scale);
    RsvgRectangle vp = {0, 0, w, hh};
    if (!rsvg_handle_render_document(h, cr, &vp, &err)) {
        rc = MV_EFORMAT;
        goto out;
    }
    cairo_surface_flush(surf);
    if (cairo_surface_write_to_png_stream(surf, write_cb, out) != CAIRO_STATUS_SUCCESS)
        rc = out->failed ? MV_ENOMEM : MV_EIO;
out:
    if (err)
        g_error_free(err);
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    if (h)
        g_object_unref(h);
    return rc;
}

#else /* no librsvg */

bool
mv_render_png_available(void)
{
    return false;
}

mv_status
mv_render_png_scaled(const char *svg, size_t n, double scale, mv_buf *out)
{
    (void)svg;
    (void)n;
    (void)scale;
    (void)out;
    return MV_EINVAL;
}

#endif

mv_status
mv_render_png(const char *svg, size_t n, mv_buf *out)
{
    return mv_render_png_scaled(svg, n, 1.0, out);
}
