/* The DAG parser's machinery: reading the file, loading the YAML document
 * (one document, a mapping at the top), diagnostics with file, line and
 * field, and lh__flow_apply, which fills a struct from a mapping node by a
 * table of declarative rows (name, kind, offset, required) so every level
 * of the file (the DAG, default_args, a task, a task type's own fields) is
 * described by data and checked the same way: unknown and duplicate keys,
 * missing required fields, malformed values. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "flow/dag_int.h"

int lh__flow_line(const yaml_node_t *node)
{
    return node ? (int)node->start_mark.line + 1 : 1;
}

void lh__flow_diag(lh__flow_ctx_t *x, const yaml_node_t *node, const char *field, const char *fmt,
                   ...)
{
    lh_flow_dag_t *d = x->dag;
    if (d->ndiags == d->diag_cap) {
        int cap = d->diag_cap ? d->diag_cap * 2 : 16;
        lh_flow_diag_t *n = lh_arena_alloc(d->arena, (size_t)cap * sizeof *n);
        if (!n) return;
        if (d->ndiags) memcpy(n, d->diags, (size_t)d->ndiags * sizeof *n);
        d->diags = n, d->diag_cap = cap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lh_flow_diag_t *g = &d->diags[d->ndiags];
    g->file = d->file, g->line = lh__flow_line(node);
    g->field = lh_arena_strdup(d->arena, field ? field : "");
    g->msg = lh_arena_strdup(d->arena, msg);
    if (g->field && g->msg) d->ndiags++;
}

int lh__flow_is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *lh__flow_scalar(lh__flow_ctx_t *x, yaml_node_t *node, const char *field,
                            const char *what)
{
    if (node && node->type == YAML_SCALAR_NODE) {
        if (++x->scalars > LH__FLOW_MAX_SCALARS) {
            if (x->scalars == LH__FLOW_MAX_SCALARS + 1)
                lh__flow_diag(x, node, field, "file too large: over %d values (aliases included)",
                              LH__FLOW_MAX_SCALARS);
            return NULL;
        }
        if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
            lh__flow_diag(x, node, field, "NUL byte in value");
            return NULL;
        }
        const char *s = lh_arena_strdup(x->dag->arena, (const char *)node->data.scalar.value);
        if (!s) lh__flow_diag(x, node, field, "out of memory");
        return s;
    }
    lh__flow_diag(x, node, field, "expected %s", what);
    return NULL;
}

/* ---- dates ---- */

int lh__flow_parse_date(const char *s, int64_t *t)
{
    char buf[40];
    size_t n = strlen(s);
    if (n == 10) {
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        s = buf;
    } else if (n > 10 && s[10] == ' ') { /* YAML timestamps allow a space */
        snprintf(buf, sizeof buf, "%s", s);
        buf[10] = 'T';
        s = buf;
    }
    int64_t v, y;
    int m, d;
    if (lh_time_iso8601_parse((lh_str_t){s, strlen(s)}, &v)) return LH_EINVAL;
    /* no 2024-02-30: the written day must exist */
    lh_time_civil_from_days(lh_time_days_from_civil((s[0] - '0') * 1000 + (s[1] - '0') * 100 +
                                                        (s[2] - '0') * 10 + (s[3] - '0'),
                                                    (s[5] - '0') * 10 + (s[6] - '0'), 1) +
                                (s[8] - '0') * 10 + (s[9] - '0') - 1,
                            &y, &m, &d);
    if (m != (s[5] - '0') * 10 + (s[6] - '0')) return LH_EINVAL;
    return *t = v, 0;
}

int lh_flow_is_dag_file(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.') return 0;
    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}
