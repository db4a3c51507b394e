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
mv_write_file(const char *path, const void *data, size_t len)
{
    if (strcmp(path, "-") == 0) {
        fflush(stdout);
        return write_all(STDOUT_FILENO, data, len);
    }
    size_t n = strlen(path);
    char *tmp = mv_malloc(n + 32);
    if (!tmp)
        return MV_ENOMEM;
    snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    mv_status st = MV_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto out;
    st = write_all(fd, data, len);
    if (close(fd) != 0 && st == MV_OK)
        st = MV_EIO;
    if (st == MV_OK && rename(tmp, path) != 0)
        st = MV_EIO;
    if (st != MV_OK) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
out:
    mv_free(tmp);
    return st;
}
