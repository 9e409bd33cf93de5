/* `lakehouse demo install`: the example pipeline built into the binary
 * (src/demo/embed.h) written into <flow.dags_dir>/medallion/, as is or,
 * for `demo run` (`up --demo`), with the DAG's start_date moved to the
 * demo's first hour and its lateness (the param and the ingest task's) set
 * to the demo's: the only lines that differ between the example and the
 * demo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/demo_int.h"
#include "core/buf.h"
#include "core/timefmt.h"
#include "demo/embed.h"
#include "flow/exec_int.h"

static int starts(const char *line, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - line) >= n && !memcmp(line, prefix, n);
}

/* Spaces before key on the line (a mapping key, indented), or -1. */
static int indented_key(const char *line, const char *end, const char *key)
{
    int n = 0;
    while (line + n < end && line[n] == ' ')
        n++;
    return n > 0 && starts(line + n, end, key) ? n : -1;
}

/* The DAG text with `start_date:` and every indented `lateness:` (the
 * param, the ingest task's) replaced; NULL when out of memory. */
static char *rewrite_dag(const lh_demo_file_t *f, int64_t start_ms, int lateness_h, size_t *len)
{
    char iso[40];
    lh_time_iso8601_format(start_ms * 1000000, 0, iso, sizeof iso);
    lh_buf_t b;
    lh_buf_init(&b, f->len + 4096);
    for (const char *p = f->data, *end = f->data + f->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *next = nl ? nl + 1 : end;
        int indent = indented_key(p, next, "lateness:");
        if (starts(p, next, "start_date:"))
            lh_buf_printf(&b, "start_date: %s\n", iso);
        else if (indent > 0)
            lh_buf_printf(&b, "%*slateness: %dh\n", indent, "", lateness_h);
        else
            lh_buf_append(&b, p, (size_t)(next - p));
        p = next;
    }
    if (lh_buf_err(&b)) {
        lh_buf_free(&b);
        return NULL;
    }
    return lh_buf_take(&b, len);
}

/* 1 when path holds exactly data. */
static int same_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[65536];
    size_t off = 0, n;
    int same = 1;
    while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        same = off + n <= len && !memcmp(buf, data + off, n);
        off += n;
    }
    fclose(f);
    return same && off == len;
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (same_bytes(path, data, len)) return 0;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f)) ok = 0;
    if (ok && rename(tmp, path) == 0) return 0;
    fprintf(stderr, "lakehouse demo: cannot write %s: %s\n", path, strerror(errno));
    unlink(tmp);
    return 1;
}

int lh__demo_install(const lh_config_t *cfg, int64_t start_ms, int lateness_h, char *dir,
                     size_t cap)
{
    char marker[4200];
    if (snprintf(dir, cap, "%s/%s", lh_config_get(cfg, "flow.dags_dir"), LH_DEMO_DAG_ID) >=
        (int)cap)
        return fprintf(stderr, "lakehouse demo: flow.dags_dir is too long\n"), 1;
    snprintf(marker, sizeof marker, "%s/x", dir);
    if (lh__flow_make_parents(marker))
        return fprintf(stderr, "lakehouse demo: cannot create %s: %s\n", dir, strerror(errno)), 1;
    lh_demo_file_t f;
    int rc = 0;
    for (int i = 0; rc == 0 && lh_demo_example_file(i, &f) == 0; i++) {
        if (start_ms <= 0 || strcmp(f.name, LH_DEMO_DAG_ID ".yaml")) {
            rc = write_file(dir, f.name, f.data, f.len);
            continue;
        }
        size_t len;
        char *text = rewrite_dag(&f, start_ms, lateness_h, &len);
        rc = text ? write_file(dir, f.name, text, len) : 1;
        free(text);
    }
    return rc;
}

int lh__demo_install_cmd(lh_config_t *cfg, int argc, char **argv)
{
    char dir[4096];
    if (argc > 0) {
        fprintf(stderr, "lakehouse demo install: unexpected argument '%s'\n", argv[0]);
        return 2;
    }
    int rc = lh__demo_install(cfg, 0, 0, dir, sizeof dir);
    if (!rc) printf("installed the example DAG %s in %s\n", LH_DEMO_DAG_ID, dir);
    return rc;
}
