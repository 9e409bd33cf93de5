/* The role runner: starts a subset of the role table in order on one loop,
 * stops it in reverse order one role after the other, unwinds a failed start,
 * and keeps each role's state in an atomic so /readyz can read it from any
 * thread. It also carries the small per-process registry through which roles
 * publish endpoints and share handles. */
#include "core/role.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MAX_ROLES 16
#define MAX_PROVIDED 16

enum { ST_IDLE, ST_STARTING, ST_RUNNING, ST_STOPPING, ST_STOPPED, ST_FAILED };
static const char *const st_names[] = {"idle",     "starting", "ready",
                                       "stopping", "stopped",  "failed"};

typedef struct {
    const lh_role_t *role;
    void *handle;
    int state; /* ST_*, atomic */
} slot_t;

struct lh_roles {
    lh_role_ctx_t ctx;
    slot_t slot[MAX_ROLES];
    int n;
    int next_stop; /* index of the next role to stop, counting down */
    int stopping;
    void (*done)(void *);
    void *done_arg;
    int (*publish)(void *arg, const char *key, const char *hostport);
    void *publish_arg;
    struct {
        const char *name;
        void *ptr;
    } provided[MAX_PROVIDED];
    int nprovided;
};

static int get_state(const slot_t *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static void set_state(slot_t *s, int st)
{
    __atomic_store_n(&s->state, st, __ATOMIC_RELEASE);
}

int lh_roles_register(const lh_role_t *const *table, int n)
{
    for (int i = 0; i < n; i++) {
        const lh_role_t *r = table[i];
        if (r->nkeys) {
            int rc = lh_config_register(r->keys, r->nkeys);
            if (rc) return rc;
        }
        if (r->nmigrations) lh_meta_register_migrations(r->migrations, r->nmigrations);
        lh_err_t err = {0};
        if (r->nroutes && lh_rest_routes_check(r->routes, r->nroutes, &err) != 0) {
            lh_error("role %s: %s", r->name, err.msg);
            return err.code;
        }
    }
    return 0;
}

void lh_roles_names(const lh_role_t *const *table, int n, char *out, size_t cap)
{
    size_t len = 0;
    if (cap) out[0] = '\0';
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " | " : "", table[i]->name);
}

int lh_roles_parse(const lh_role_t *const *table, int n, const char *list, unsigned *mask,
                   lh_err_t *err)
{
    char names[256];
    *mask = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int i = 0; i < n && found < 0; i++)
            if (strlen(table[i]->name) == len && !strncmp(table[i]->name, p, len)) found = i;
        if (found < 0) {
            lh_roles_names(table, n, names, sizeof names);
            return lh_err_set(err, LH_EINVAL, "unknown role '%.*s' (%s)", (int)len, p, names);
        }
        *mask |= 1u << found;
        p += len + (p[len] == ',');
    }
    if (!*mask) {
        lh_roles_names(table, n, names, sizeof names);
        return lh_err_set(err, LH_EINVAL, "no role named (%s)", names);
    }
    return 0;
}

int lh_roles_new(lh_roles_t **out, const lh_role_t *const *table, int n, unsigned mask,
                 const lh_role_ctx_t *ctx)
{
    lh_roles_t *rs = calloc(1, sizeof *rs);
    *out = NULL;
    if (!rs) return LH_ENOMEM;
    rs->ctx = *ctx;
    rs->ctx.roles = rs;
    for (int i = 0; i < n && i < MAX_ROLES; i++)
        if (mask & (1u << i)) rs->slot[rs->n++].role = table[i];
    *out = rs;
    return 0;
}

void lh_roles_free(lh_roles_t *rs)
{
    if (!rs) return;
    for (int i = rs->n - 1; i >= 0; i--)
        if (rs->slot[i].handle && rs->slot[i].role->release)
            rs->slot[i].role->release(rs->slot[i].handle);
    free(rs);
}

static void stop_next(void *arg);

int lh_roles_start(lh_roles_t *rs, lh_err_t *err)
{
    for (int i = 0; i < rs->n; i++) {
        slot_t *s = &rs->slot[i];
        set_state(s, ST_STARTING);
        lh_debug("starting role %s", s->role->name);
        int rc = s->role->start(&rs->ctx, &s->handle, err);
        if (rc) {
            set_state(s, ST_FAILED);
            lh_info("role %s failed to start", s->role->name);
            return rc;
        }
        set_state(s, ST_RUNNING);
    }
    return 0;
}

static void stopped_one(void *arg)
{
    lh_roles_t *rs = arg;
    set_state(&rs->slot[rs->next_stop], ST_STOPPED);
    lh_info("role %s stopped", rs->slot[rs->next_stop].role->name);
    rs->next_stop--;
    stop_next(rs);
}

static void stop_next(void *arg)
{
    lh_roles_t *rs = arg;
    while (rs->next_stop >= 0 && get_state(&rs->slot[rs->next_stop]) != ST_RUNNING)
        rs->next_stop--;
    if (rs->next_stop < 0) {
        if (rs->done) rs->done(rs->done_arg);
        return;
    }
    slot_t *s = &rs->slot[rs->next_stop];
    set_state(s, ST_STOPPING);
    s->role->stop(s->handle, stopped_one, rs);
}

void lh_roles_stop(lh_roles_t *rs, void (*done)(void *), void *arg)
{
    if (__atomic_exchange_n(&rs->stopping, 1, __ATOMIC_ACQ_REL))
        return; /* from here on nothing is ready, even the roles not stopped yet */
    rs->done = done;
    rs->done_arg = arg;
    rs->next_stop = rs->n - 1;
    stop_next(rs);
}

static int slot_ready(const slot_t *s)
{
    if (get_state(s) != ST_RUNNING) return 0;
    return !s->role->ready || s->role->ready(s->handle);
}

int lh_roles_ready(const lh_roles_t *rs)
{
    if (!rs || __atomic_load_n(&rs->stopping, __ATOMIC_ACQUIRE)) return 0;
    for (int i = 0; i < rs->n; i++)
        if (!slot_ready(&rs->slot[i])) return 0;
    return 1;
}

int lh_roles_next_routes(const void *arg, int *pos, lh_rest_table_t *out)
{
    const lh_roles_t *rs = arg;
    for (; rs && *pos < rs->n; (*pos)++) {
        const slot_t *s = &rs->slot[*pos];
        if (!s->role->nroutes || get_state(s) != ST_RUNNING) continue;
        *out = (lh_rest_table_t){.owner = s->role->name,
                                 .routes = s->role->routes,
                                 .nroutes = s->role->nroutes,
                                 .arg = s->handle};
        (*pos)++;
        return 1;
    }
    return 0;
}

int lh_roles_status_json(const lh_roles_t *rs, lh_buf_t *out)
{
    int ready = lh_roles_ready(rs);
    lh_buf_printf(out, "{\"status\":\"%s\",\"roles\":{", ready ? "ready" : "not ready");
    for (int i = 0; rs && i < rs->n; i++) {
        const slot_t *s = &rs->slot[i];
        int st = get_state(s);
        const char *name = st == ST_RUNNING && !slot_ready(s) ? "starting" : st_names[st];
        lh_buf_printf(out, "%s\"%s\":\"%s\"", i ? "," : "", s->role->name, name);
    }
    if (lh_buf_puts(out, "}}\n") != 0) return LH_ENOMEM;
    return ready;
}

void lh_roles_set_publisher(lh_roles_t *rs, int (*publish)(void *, const char *, const char *),
                            void *arg)
{
    rs->publish = publish;
    rs->publish_arg = arg;
}

int lh_roles_publish_endpoint(lh_roles_t *rs, const char *key, const char *hostport)
{
    return rs->publish ? rs->publish(rs->publish_arg, key, hostport) : 0;
}

int lh_roles_provide(lh_roles_t *rs, const char *name, void *ptr)
{
    for (int i = 0; i < rs->nprovided; i++)
        if (!strcmp(rs->provided[i].name, name)) {
            rs->provided[i].ptr = ptr;
            return 0;
        }
    if (rs->nprovided == MAX_PROVIDED) return LH_ENOMEM;
    rs->provided[rs->nprovided].name = name;
    rs->provided[rs->nprovided++].ptr = ptr;
    return 0;
}

void *lh_roles_lookup(const lh_roles_t *rs, const char *name)
{
    for (int i = 0; i < rs->nprovided; i++)
        if (!strcmp(rs->provided[i].name, name)) return rs->provided[i].ptr;
    return NULL;
}
