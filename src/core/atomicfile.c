/* Whole-or-nothing file output: write a temporary beside the target, fsync
 * nothing (not needed for correctness here), rename over the target. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mv.h"

static mv_status
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return MV_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return MV_OK;
}

mv_status
mv_outfile_open(mv_outfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (strcmp(path, "-") == 0) {
        fflush(stdout);
        f->fd = STDOUT_FILENO;
        return MV_OK;
    }
    size_t n = strlen(path);
    f->path = mv_strdup(path);
    f->tmp = mv_malloc(n + 32);
    if (!f->path || !f->tmp) {
        mv_free(f->path);
        mv_free(f->tmp);
        f->path = f->tmp = NULL;
        return MV_ENOMEM;
    }
    snprintf(f->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        int e = errno;
        mv_free(f->path);
        mv_free(f->tmp);
        f->path = f->tmp = NULL;
        errno = e;
        return MV_EIO;
    }
    return MV_OK;
}

mv_status
mv_outfile_write(void *ctx, const char *p, size_t n)
{
    mv_outfile *f = ctx;
    return write_all(f->fd, p, n);
}

void
mv_outfile_abort(mv_outfile *f)
{
    int e = errno;
    if (f->tmp) {
        close(f->fd);
        unlink(f->tmp);
    }
    mv_free(f->path);
    mv_free(f->tmp);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    errno = e;
}

mv_status
mv_outfile_commit(mv_outfile *f)
{
    if (!f->tmp) {
        memset(f, 0, sizeof *f);
        f->fd = -1;
        return MV_OK;
    }
    int fd = f->fd;
    f->fd = -1;
    if (close(fd) != 0 || rename(f->tmp, f->path) != 0) {
        int e = errno;
        unlink(f->tmp);
        mv_free(f->path);
        mv_free(f->tmp);
        memset(f, 0, sizeof *f);
        errno = e;
        return MV_EIO;
    }
    mv_free(f->path);
    mv_free(f->tmp);
    memset(f, 0, sizeof *f);
    return MV_OK;
}

mv_status
mv_write_file(const char *path, const void *data, size_t len)
{
    mv_outfile f;
    mv_status st = mv_outfile_open(&f, path);
    if (st != MV_OK)
        return st;
    if ((st = mv_outfile_write(&f, data, len)) != MV_OK) {
        mv_outfile_abort(&f);
        return st;
    }
    return mv_outfile_commit(&f);
}
