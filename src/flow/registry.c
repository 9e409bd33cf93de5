/* The DAG registry: every *.yaml / *.yml file under flow.dags_dir (any
 * depth), one DAG per file. A scan compares each file's mtime and size with
 * what it saw last; a new or changed file is parsed again: a clean parse
 * becomes the DAG's current version (the runs already made keep the version
 * they started with), a parse with errors is kept beside the last good
 * version ("broken") or, for a file that never parsed, as an import error.
 * A removed file's DAG stops being scheduled (its entry stays, inactive,
 * for the runs that still use it). A DAG id defined by two files is an
 * import error of the second. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "flow/dag_int.h"
#include "flow/flow_int.h"

/* --- versions --- */

static int64_t *downstream_weights(const lh_flow_dag_t *d, int **down, const int *ndown)
{
    int n = d->ntasks;
    int64_t *w = calloc((size_t)n + 1, sizeof *w);
    if (!w) return NULL;
    for (int i = 0; i < n; i++)
        w[i] = d->tasks[i].args.priority_weight;
    if (n > 4096) return w; /* large DAGs: each task's own weight */
    size_t words = ((size_t)n + 63) / 64;
    uint64_t *bits = calloc((size_t)n * words, sizeof *bits);
    if (!bits) return w;
    /* tasks are in file order, not topological: iterate to a fixed point */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < n; i++) {
            uint64_t *b = bits + (size_t)i * words;
            for (int k = 0; k < ndown[i]; k++) {
                int c = down[i][k];
                uint64_t *cb = bits + (size_t)c * words;
                uint64_t before = b[c / 64];
                b[c / 64] |= 1ull << (c % 64);
                changed |= before != b[c / 64];
                for (size_t j = 0; j < words; j++) {
                    uint64_t o = b[j];
                    b[j] |= cb[j];
                    changed |= o != b[j];
                }
            }
        }
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < n; c++)
            if (bits[(size_t)i * words + (size_t)c / 64] >> (c % 64) & 1)
                w[i] += d->tasks[c].args.priority_weight;
    free(bits);
    return w;
}

static void dagver_free(lh__dagver_t *v)
{
    if (!v) return;
    if (v->down)
        for (int i = 0; i < v->dag->ntasks; i++)
            free(v->down[i]);
    free(v->down);
    free(v->ndown);
    free(v->weight);
    free(v->leaf);
    lh_flow_dag_free(v->dag);
    free(v);
}

static lh__dagver_t *dagver_new(lh_flow_dag_t *d)
{
    lh__dagver_t *v = calloc(1, sizeof *v);
    int n = d->ntasks;
    if (!v) return NULL;
    v->dag = d;
    v->refs = 1;
    v->down = calloc((size_t)n + 1, sizeof *v->down);
    v->ndown = calloc((size_t)n + 1, sizeof *v->ndown);
    v->leaf = calloc((size_t)n + 1, 1);
    if (!v->down || !v->ndown || !v->leaf) goto fail;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < d->tasks[i].ndeps; k++)
            v->ndown[d->tasks[i].dep_index[k]]++;
    for (int i = 0; i < n; i++) {
        v->leaf[i] = v->ndown[i] == 0;
        if (!(v->down[i] = calloc((size_t)v->ndown[i] + 1, sizeof **v->down))) goto fail;
        v->ndown[i] = 0;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < d->tasks[i].ndeps; k++) {
            int u = d->tasks[i].dep_index[k];
            v->down[u][v->ndown[u]++] = i;
        }
    if (!(v->weight = downstream_weights(d, v->down, v->ndown))) goto fail;
    return v;
fail:
    v->dag = d;
    dagver_free(v);
    return NULL;
}

lh__dagver_t *lh__dagver_acquire(lh_flow_t *f, lh__dagver_t *v)
{
    pthread_mutex_lock(&f->reg_mu);
    v->refs++;
    pthread_mutex_unlock(&f->reg_mu);
    return v;
}

void lh__dagver_release(lh_flow_t *f, lh__dagver_t *v)
{
    if (!v) return;
    pthread_mutex_lock(&f->reg_mu);
    int last = --v->refs == 0;
    pthread_mutex_unlock(&f->reg_mu);
    if (last) dagver_free(v);
}

/* --- the file walk --- */

typedef struct {
    char **paths;
    int n, cap;
    struct stat *dirs; /* folders walked (a symlink loop is walked once) */
    char **dirpaths;   /* their paths, for the watches (dag_watch.c) */
    int ndirs, dcap;
} files_t;

/* 1 when the folder was walked already (or too many were), else records it. */
static int walked(files_t *fs, const char *dir)
{
    struct stat st;
    if (stat(dir, &st)) return 1;
    for (int i = 0; i < fs->ndirs; i++)
        if (fs->dirs[i].st_dev == st.st_dev && fs->dirs[i].st_ino == st.st_ino) return 1;
    if (fs->ndirs == fs->dcap) {
        int nc = fs->dcap ? fs->dcap * 2 : 16;
        struct stat *nd = realloc(fs->dirs, (size_t)nc * sizeof *nd);
        if (!nd) return 1;
        fs->dirs = nd;
        char **np = realloc(fs->dirpaths, (size_t)nc * sizeof *np);
        if (!np) return 1;
        fs->dirpaths = np, fs->dcap = nc;
    }
    if (!(fs->dirpaths[fs->ndirs] = strdup(dir))) return 1;
    fs->dirs[fs->ndirs++] = st;
    return 0;
}

static void walk(const char *dir, files_t *fs, int depth)
{
    DIR *d = depth < 32 && !walked(fs, dir) ? opendir(dir) : NULL;
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char *p = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!p) continue;
        snprintf(p, strlen(dir) + strlen(e->d_name) + 2, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(p, fs, depth + 1);
            free(p);
        } else if (S_ISREG(st.st_mode) && lh_flow_is_dag_file(e->d_name) && fs->n < 100000) {
            if (fs->n == fs->cap) {
                int nc = fs->cap ? fs->cap * 2 : 64;
                char **np = realloc(fs->paths, (size_t)nc * sizeof *np);
                if (!np) {
                    free(p);
                    continue;
                }
                fs->paths = np, fs->cap = nc;
            }
            fs->paths[fs->n++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- entries --- */

lh__fdag_t *lh__flow_find(lh_flow_t *f, const char *dag_id)
{
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        if (!strcmp(e->dag_id, dag_id)) return e;
    return NULL;
}

static lh__fdag_t *find_file(lh_flow_t *f, const char *file)
{
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        if (e->file && !strcmp(e->file, file)) return e;
    return NULL;
}

static lh__ferr_t *find_err(lh_flow_t *f, const char *file)
{
    for (lh__ferr_t *e = f->errs; e; e = e->next)
        if (!strcmp(e->file, file)) return e;
    return NULL;
}

/* Inserts e keeping the list sorted by dag_id (reg_mu held). */
static void insert_sorted(lh_flow_t *f, lh__fdag_t *e)
{
    lh__fdag_t **pp = &f->dags;
    while (*pp && strcmp((*pp)->dag_id, e->dag_id) < 0)
        pp = &(*pp)->next;
    e->next = *pp;
    *pp = e;
}

static void log_diags(const lh_flow_dag_t *d)
{
    for (int i = 0; i < d->ndiags; i++)
        lh_warn("flow: %s:%d: %s: %s", d->diags[i].file, d->diags[i].line,
                d->diags[i].field[0] ? d->diags[i].field : "(file)", d->diags[i].msg);
}

/* A new entry for a clean parse: its paused flag comes from the state. */
static lh__fdag_t *entry_new(lh_flow_t *f, lh_flow_dag_t *d, const char *file)
{
    lh__fdag_t *e = calloc(1, sizeof *e);
    if (!e || !(e->dag_id = strdup(d->dag_id))) {
        free(e);
        return NULL;
    }
    lh_flow_dag_rec_t rec = {0};
    lh_err_t err = {0};
    if (lh_flow_state_dag_get(f->st, d->dag_id, &rec, &err) == 0) {
        e->paused = rec.paused;
        if (rec.last_scheduled_end) {
            e->have_last = 1;
            e->last_logical = rec.last_scheduled_logical;
            e->last_end = rec.last_scheduled_end;
        }
        lh_flow_dag_rec_clear(&rec);
    } else {
        e->paused = lh_config_bool(f->cfg, "flow.dags_are_paused_at_creation");
    }
    (void)file;
    return e;
}

/* Writes the DAG's row (paused, file, last parse). */
static void save_dag(lh_flow_t *f, lh__fdag_t *e)
{
    lh_flow_dag_rec_t rec = {0};
    lh_err_t err = {0};
    snprintf(rec.dag_id, sizeof rec.dag_id, "%s", e->dag_id);
    rec.paused = e->paused;
    rec.fileloc = e->file;
    rec.last_parsed_us = lh__flow_clock_us(f);
    rec.has_errors = e->broken != NULL;
    rec.last_scheduled_logical = e->have_last ? e->last_logical : 0;
    rec.last_scheduled_end = e->have_last ? e->last_end : 0;
    if (lh_flow_state_dag_put(f->st, &rec, &err))
        lh_error("flow: cannot save dag %s: %s", e->dag_id, err.msg);
}

void lh__flow_dag_save(lh_flow_t *f, lh__fdag_t *e)
{
    save_dag(f, e);
}

static void set_err(lh_flow_t *f, const char *file, lh_flow_dag_t *d, int64_t mt, int64_t sz)
{
    lh__ferr_t *x = find_err(f, file);
    if (!x) {
        if (!(x = calloc(1, sizeof *x)) || !(x->file = strdup(file))) {
            free(x);
            lh_flow_dag_free(d);
            return;
        }
        lh__ferr_t **pp = &f->errs;
        while (*pp && strcmp((*pp)->file, file) < 0)
            pp = &(*pp)->next;
        x->next = *pp;
        *pp = x;
    } else {
        lh_flow_dag_free(x->dag);
    }
    x->dag = d, x->mtime_ns = mt, x->size = sz, x->seen = 1;
}

static void drop_err(lh_flow_t *f, const char *file)
{
    for (lh__ferr_t **pp = &f->errs; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->file, file)) {
            lh__ferr_t *x = *pp;
            *pp = x->next;
            lh_flow_dag_free(x->dag);
            free(x->file);
            free(x);
            return;
        }
}

/* A parse with errors of a file that has a DAG already: kept as broken. */
static int load_one(lh_flow_t *f, const char *file, int64_t mt, int64_t sz)
{
    lh_flow_dag_t *d = lh_flow_dag_load(file);
    if (!d) return 0;
    lh__fdag_t *old = find_file(f, file);
    if (d->ndiags) {
        log_diags(d);
        pthread_mutex_lock(&f->reg_mu);
        if (old && (!d->dag_id || !strcmp(d->dag_id, old->dag_id))) {
            lh_flow_dag_free(old->broken);
            old->broken = d, old->mtime_ns = mt, old->size = sz, old->seen = 1;
        } else {
            if (old) lh__flow_unlink_file(f, old);
            set_err(f, file, d, mt, sz);
        }
        pthread_mutex_unlock(&f->reg_mu);
        if (old) save_dag(f, old);
        return 1;
    }
    lh__fdag_t *e = lh__flow_find(f, d->dag_id);
    if (e && e->file && strcmp(e->file, file) && e->seen >= 0 && e->cur) {
        /* defined twice: the second file is the error */
        lh__flow_ctx_t x = {.dag = d};
        lh__flow_diag(&x, NULL, "dag_id", "dag_id \"%s\" is already defined in %s", d->dag_id,
                      e->file);
        log_diags(d);
        pthread_mutex_lock(&f->reg_mu);
        if (old) lh__flow_unlink_file(f, old);
        set_err(f, file, d, mt, sz);
        pthread_mutex_unlock(&f->reg_mu);
        return 0;
    }
    lh__dagver_t *v = dagver_new(d);
    if (!v) {
        lh_flow_dag_free(d);
        return 0;
    }
    pthread_mutex_lock(&f->reg_mu);
    if (old && old != e) lh__flow_unlink_file(f, old);
    int fresh = !e;
    if (fresh && !(e = entry_new(f, d, file))) {
        pthread_mutex_unlock(&f->reg_mu);
        dagver_free(v);
        return 0;
    }
    lh__dagver_t *prev = e->cur;
    e->cur = v;
    lh_flow_dag_free(e->broken);
    e->broken = NULL;
    free(e->file);
    e->file = strdup(file);
    e->mtime_ns = mt, e->size = sz, e->seen = 1;
    if (fresh) insert_sorted(f, e);
    drop_err(f, file);
    pthread_mutex_unlock(&f->reg_mu);
    lh__dagver_release(f, prev);
    save_dag(f, e);
    lh_info("flow: dag %s %s from %s (%d tasks)", e->dag_id, fresh ? "loaded" : "reloaded", file,
            d->ntasks);
    return 1;
}

int lh__flow_scan(lh_flow_t *f)
{
    files_t fs = {0};
    walk(f->dags_dir, &fs, 0);
    if (fs.n) qsort(fs.paths, (size_t)fs.n, sizeof *fs.paths, cmp_str);
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        e->seen = 0;
    for (lh__ferr_t *x = f->errs; x; x = x->next)
        x->seen = 0;
    int changed = 0;
    for (int i = 0; i < fs.n; i++) {
        struct stat st;
        if (stat(fs.paths[i], &st)) continue;
        int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        lh__fdag_t *e = find_file(f, fs.paths[i]);
        lh__ferr_t *x = e ? NULL : find_err(f, fs.paths[i]);
        if (e && e->mtime_ns == mt && e->size == st.st_size)
            e->seen = 1;
        else if (x && x->mtime_ns == mt && x->size == st.st_size)
            x->seen = 1;
        else
            changed += load_one(f, fs.paths[i], mt, st.st_size);
    }
    pthread_mutex_lock(&f->reg_mu);
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        if (!e->seen && e->file) {
            lh_info("flow: dag %s: file %s removed", e->dag_id, e->file);
            lh__flow_unlink_file(f, e);
            changed++;
        }
    for (lh__ferr_t **pp = &f->errs; *pp;) {
        lh__ferr_t *x = *pp;
        if (x->seen) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        lh_flow_dag_free(x->dag);
        free(x->file);
        free(x);
    }
    pthread_mutex_unlock(&f->reg_mu);
    for (int i = 0; i < fs.n; i++)
        free(fs.paths[i]);
    free(fs.paths);
    free(fs.dirs);
    lh__flow_scanned_dirs(f, fs.dirpaths, fs.ndirs);
    return changed;
}

/* The entry's file is gone (removed, or now defines another DAG): the DAG
 * is inactive until a file defines it again (reg_mu held). A file that
 * failed as a second definition of its id is parsed again by the next scan
 * (it may define the DAG now). */
void lh__flow_unlink_file(lh_flow_t *f, lh__fdag_t *e)
{
    for (lh__ferr_t *x = f->errs; x; x = x->next)
        if (x->dag && x->dag->dag_id && !strcmp(x->dag->dag_id, e->dag_id)) x->mtime_ns = -1;
    free(e->file);
    e->file = NULL;
    lh_flow_dag_free(e->broken);
    e->broken = NULL;
}

void lh__flow_registry_free(lh_flow_t *f)
{
    while (f->dags) {
        lh__fdag_t *e = f->dags;
        f->dags = e->next;
        if (e->cur && --e->cur->refs == 0) dagver_free(e->cur);
        lh_flow_dag_free(e->broken);
        free(e->file);
        free(e->dag_id);
        free(e);
    }
    while (f->errs) {
        lh__ferr_t *x = f->errs;
        f->errs = x->next;
        lh_flow_dag_free(x->dag);
        free(x->file);
        free(x);
    }
}
