/* Writing a file from a background thread, so a long recording does not
 * wait while the kernel copies its spilled stream (trace.c). One job at a
 * time; the caller keeps the bytes alive and unchanged until the job is
 * waited for. */
#ifndef MV_CORE_BGWRITE_H
#define MV_CORE_BGWRITE_H

#include "mv.h"

typedef struct mv_bgwrite mv_bgwrite;

/* pwrite all n bytes at off (retrying short writes and EINTR). */
bool mv_pwrite_all(int fd, const void *data, size_t n, uint64_t off);

/* Start the worker; NULL if no thread could be made (write synchronously). */
mv_bgwrite *mv_bgwrite_new(void);
/* Queue a write. Only when idle: after new() or a wait(). */
void mv_bgwrite_submit(mv_bgwrite *w, int fd, const void *p, size_t n, uint64_t off);
/* Wait until the queued write is done. False if it failed, or if this is a
 * forked child, where the worker does not exist (write it yourself). */
bool mv_bgwrite_wait(mv_bgwrite *w);
/* True in the process that made the worker. */
bool mv_bgwrite_usable(const mv_bgwrite *w);
/* Finish the queued write (in the owning process) and stop the worker. */
void mv_bgwrite_free(mv_bgwrite *w);

#endif
