/* Background file writes; contract in bgwrite.h.
 *
 * One worker thread, one job at a time: the recorder hands over a filled
 * chunk and goes on recording into another buffer while the kernel copies
 * this one into the page cache. The worker touches only the job's bytes and
 * the file descriptor: no allocation, no Python. */
#define _DEFAULT_SOURCE 1 /* pwrite */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "bgwrite.h"

struct mv_bgwrite {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pid_t pid;        /* the process the worker runs in */
    bool busy;        /* a job is queued or being written */
    bool ok;          /* the last job wrote every byte */
    bool quit;
    int fd;
    const char *p;
    size_t n;
    uint64_t off;
};

bool
mv_pwrite_all(int fd, const void *data, size_t n, uint64_t off)
{
    const char *p = data;
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return true;
}

static void *
worker(void *arg)
{
    mv_bgwrite *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->quit && !(w->busy && w->p))
            pthread_cond_wait(&w->cv, &w->mu);
        if (!(w->busy && w->p))
            break; /* quit with nothing queued */
        int fd = w->fd;
        const char *p = w->p;
        size_t n = w->n;
        uint64_t off = w->off;
        pthread_mutex_unlock(&w->mu);
        bool ok = mv_pwrite_all(fd, p, n, off);
        pthread_mutex_lock(&w->mu);
        w->ok = ok;
        w->p = NULL;
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

mv_bgwrite *
mv_bgwrite_new(void)
{
    mv_bgwrite *w = mv_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->pid = getpid();
    w->ok = true;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        mv_free(w);
        return NULL;
    }
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        mv_free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, worker, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        mv_free(w);
        return NULL;
    }
    return w;
}

bool
mv_bgwrite_usable(const mv_bgwrite *w)
{
    /* after fork() the child has the struct but not the thread (and maybe
     * a mutex locked by a thread that does not exist there) */
    return w && w->pid == getpid();
}

void
mv_bgwrite_submit(mv_bgwrite *w, int fd, const void *p, size_t n, uint64_t off)
{
    pthread_mutex_lock(&w->mu);
    w->fd = fd;
    w->p = p;
    w->n = n;
    w->off = off;
    w->busy = true;
    w->ok = false;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool
mv_bgwrite_wait(mv_bgwrite *w)
{
    if (!mv_bgwrite_usable(w))
        return false;
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    bool ok = w->ok;
    pthread_mutex_unlock(&w->mu);
    return ok;
}

void
mv_bgwrite_free(mv_bgwrite *w)
{
    if (!w)
        return;
    if (mv_bgwrite_usable(w)) {
        pthread_mutex_lock(&w->mu);
        w->quit = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    mv_free(w);
}
