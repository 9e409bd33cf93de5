/* The DAG folder's watches: every folder the last scan walked gets an
 * inotify watch (libuv's uv_fs_event, one folder each: inotify does not
 * watch a tree), and a change in any of them scans the folder 50 ms later
 * (a file written in pieces settles first), then runs a scheduling pass. So
 * an added, edited or removed DAG file is seen at once, not at the next
 * flow.dag_scan_interval, which stays as the fallback (a folder whose watch
 * failed, a file system without inotify, more folders than the cap). A scan
 * that adds watches scans again: what was written into a new folder before
 * its watch began is seen by that second scan. A folder removed or moved
 * away ends its watch, and one made again at the path gets a new one (rm -r
 * then cp -r: ext4 even hands out the same inode number). Scheduler thread
 * only. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "flow/flow_int.h"

#define SETTLE_MS 50
#define MAX_WATCHES 1024

struct lh__watch {
    uv_fs_event_t ev; /* first: the close callback frees the watch */
    lh__watch_t *next;
    int seen;
    int gone; /* the folder itself was removed or moved: its inotify watch ended */
    char dir[];
};

void lh__flow_scanned_dirs(lh_flow_t *f, char **dirs, int n)
{
    for (int i = 0; i < f->nscan_dirs; i++)
        free(f->scan_dirs[i]);
    free(f->scan_dirs);
    f->scan_dirs = dirs;
    f->nscan_dirs = n;
}

static void on_settle(uv_timer_t *t);

void lh__flow_rescan(lh_flow_t *f)
{
    f->last_scan_us = lh__flow_clock_us(f);
    lh__flow_scan(f);
    if (lh__flow_watch_sync(f)) uv_timer_start(&f->watch_settle, on_settle, SETTLE_MS, 0);
}

static void on_settle(uv_timer_t *t)
{
    lh_flow_t *f = t->data;
    if (f->stopping) return;
    lh__flow_rescan(f);
    lh__flow_kick(f);
}

static void on_change(uv_fs_event_t *h, const char *name, int events, int status)
{
    lh_flow_t *f = h->data;
    lh__watch_t *w = (lh__watch_t *)h;
    (void)events, (void)status;
    /* libuv names the watched folder itself for its own removal or move: the
       kernel dropped the watch, and a folder made again at the path (often
       with the same inode number) needs a new one */
    const char *base = strrchr(w->dir, '/');
    if (name && !strcmp(name, base ? base + 1 : w->dir)) w->gone = 1;
    if (!f->stopping && !uv_is_active((uv_handle_t *)&f->watch_settle))
        uv_timer_start(&f->watch_settle, on_settle, SETTLE_MS, 0);
}

static void freed(uv_handle_t *h)
{
    free(h); /* the watch: ev is its first member */
}

static int add(lh_flow_t *f, const char *dir)
{
    size_t n = strlen(dir) + 1;
    lh__watch_t *w = malloc(sizeof *w + n);
    if (!w) return 0;
    memcpy(w->dir, dir, n);
    w->seen = 1;
    w->gone = 0;
    uv_fs_event_init(&f->loop, &w->ev);
    w->ev.data = f;
    int rc = uv_fs_event_start(&w->ev, on_change, w->dir, 0);
    if (rc) {
        if (!f->watch_failed++)
            lh_warn("flow: cannot watch %s (%s): the scan every flow.dag_scan_interval finds its "
                    "changes",
                    dir, uv_strerror(rc));
        uv_close((uv_handle_t *)&w->ev, freed);
        return 0;
    }
    w->next = f->watches;
    f->watches = w;
    f->nwatches++;
    return 1;
}

int lh__flow_watch_sync(lh_flow_t *f)
{
    if (f->stopping || !f->watch_settle.loop) return 0;
    for (lh__watch_t *w = f->watches; w; w = w->next)
        w->seen = 0;
    int added = 0;
    for (int i = 0; i < f->nscan_dirs; i++) {
        lh__watch_t *w = f->watches;
        while (w && (w->gone || strcmp(w->dir, f->scan_dirs[i])))
            w = w->next;
        if (w)
            w->seen = 1;
        else if (f->nwatches < MAX_WATCHES)
            added += add(f, f->scan_dirs[i]);
    }
    for (lh__watch_t **pp = &f->watches; *pp;) {
        lh__watch_t *w = *pp;
        if (w->seen) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        f->nwatches--;
        uv_close((uv_handle_t *)&w->ev, freed); /* closing stops it */
    }
    return added;
}

void lh__flow_watch_start(lh_flow_t *f)
{
    uv_timer_init(&f->loop, &f->watch_settle);
    f->watch_settle.data = f;
    if (lh__flow_watch_sync(f)) uv_timer_start(&f->watch_settle, on_settle, SETTLE_MS, 0);
}

void lh__flow_watch_close(lh_flow_t *f)
{
    if (!f->watch_settle.loop) return;
    while (f->watches) {
        lh__watch_t *w = f->watches;
        f->watches = w->next;
        uv_close((uv_handle_t *)&w->ev, freed);
    }
    f->nwatches = 0;
    uv_close((uv_handle_t *)&f->watch_settle, NULL);
}
