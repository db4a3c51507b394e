/* memview public API: status codes shared by the library, the CLI and the
 * extension module. Everything else is internal (src/core/, src/py/). */
#ifndef MEMVIEW_H
#define MEMVIEW_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MEMVIEW_EXPORT __attribute__((visibility("default")))
#else
#define MEMVIEW_EXPORT
#endif

#define MEMVIEW_VERSION "0.1.0"

/* Result of every library function that can fail. Produced objects come back
 * through out-parameters, set only on MV_OK. */
typedef enum mv_status {
    MV_OK = 0,
    MV_ENOMEM,   /* an allocation failed (or a cap on memview's memory was hit) */
    MV_EIO,      /* reading or writing a file failed */
    MV_EPYTHON,  /* the interpreter reported an error */
    MV_EINVAL,   /* bad argument (step out of range, unknown format, ...) */
    MV_ELIMIT,   /* a configured limit stopped the work (max steps, ...) */
    MV_EFORMAT   /* input is not in the expected format */
} mv_status;

/* Static text for a status; never NULL. */
MEMVIEW_EXPORT const char *mv_strerror(mv_status st);

#ifdef __cplusplus
}
#endif
#endif
