/* Roles: one descriptor per service (store, web; later stream, flow, query),
 * in the service's own folder, with designated initializers. The command
 * layer keeps the table (src/cmd/roles.c); this module runs any subset of it
 * on one libuv loop: starts in table order, stops in reverse order, stops the
 * ones already started when a later one fails, and reports each role's state
 * for /readyz. Like nginx's ngx_module_t: core defines the shape, services
 * fill it in, and core never names a service.
 *
 * Threading: everything here runs on the loop thread, except
 * lh_roles_status_json and lh_roles_ready, which only read atomics and may run
 * on any thread. */
#ifndef LH_CORE_ROLE_H
#define LH_CORE_ROLE_H

#include <uv.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/loop.h"
#include "core/meta.h"
#include "core/pool.h"
#include "core/rest.h"

typedef struct lh_roles lh_roles_t;

/* What a role gets at start. Borrowed: valid until the role's stop completes. */
typedef struct lh_role_ctx {
    uv_loop_t *loop;
    const lh_config_t *cfg;
    lh_meta_t *meta;
    const char *data_dir;
    const char *lake_owner; /* access key that owns the lake bucket; "" when unknown */
    lh_roles_t *roles;      /* for lh_roles_publish_endpoint / provide / lookup */
    /* the long-job pool (queries, scans; core.long_threads, core.long_queue)
     * and the poster its completions come back to this loop through */
    lh_pool_t *long_pool;
    lh_loop_poster_t *poster;
} lh_role_ctx_t;

typedef struct lh_role {
    const char *name;    /* "store": `serve store`, /readyz, logs */
    const char *section; /* the configuration section it owns ("store") */
    const char *summary; /* one line for usage text */
    /* its configuration keys and metadata migrations (static storage) */
    const lh_config_key_t *keys;
    int nkeys;
    const lh_migration_t *migrations;
    int nmigrations;
    const char *endpoints; /* endpoint keys it publishes, comma-separated ("s3"), or NULL */
    /* its REST routes (static storage; core/rest.h), served by the web
     * listener of its process while it runs; handlers get the role's handle
     * from lh_rest_arg. NULL/0 when it has none. */
    const lh_rest_route_t *routes;
    int nroutes;
    /* Starts the role on ctx->loop: binds its listeners, publishes their
     * addresses. Blocking set-up (opening a database) is allowed here: it runs
     * before the loop serves anything. Returns 0 with *handle set, or an
     * LH_E* code with err set; on failure nothing of the role stays open,
     * except what it left in *handle for release (the stop is not called). */
    int (*start)(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err);
    /* Stops it: stop accepting, let in-flight work finish within
     * core.stop_grace, free everything, then done(arg) on the loop thread. */
    void (*stop)(void *handle, void (*done)(void *), void *arg);
    /* 1 when it serves; NULL means ready once started. Any thread. */
    int (*ready)(void *handle);
    /* Optional: frees what a worker job of the role may still hold after its
     * stop completed (the store engine); lh_roles_free calls it once the loop
     * has run dry. NULL when stop frees everything. */
    void (*release)(void *handle);
} lh_role_t;

/* Registers the configuration keys and migrations of every role in table
 * (n rows) and checks their route tables; call once before lh_config_load
 * and lh_meta_open. Returns 0, the error of lh_config_register, or LH_EINVAL
 * for a bad route table (logged with the row). */
int lh_roles_register(const lh_role_t *const *table, int n);

/* Parses "store,web" against table into a bitmask of rows (bit i = row i).
 * Errors: LH_EINVAL with err naming the unknown role and listing the table. */
int lh_roles_parse(const lh_role_t *const *table, int n, const char *list, unsigned *mask,
                   lh_err_t *err);
/* "store | web | ..." (the table's names) into out. */
void lh_roles_names(const lh_role_t *const *table, int n, char *out, size_t cap);

/* A run of the rows of table in mask. ctx is copied (its pointers are
 * borrowed). Owned by the caller; free with lh_roles_free after the stop
 * completed and the loop ran dry (it calls each role's release). Errors:
 * LH_ENOMEM. */
int lh_roles_new(lh_roles_t **out, const lh_role_t *const *table, int n, unsigned mask,
                 const lh_role_ctx_t *ctx);
void lh_roles_free(lh_roles_t *rs);
/* Starts every role in table order, stopping at the first failure. The
 * roles already started keep running: call lh_roles_stop and run the loop to
 * stop them in reverse. Errors: whatever the failing role's start returned. */
int lh_roles_start(lh_roles_t *rs, lh_err_t *err);
/* Stops the started roles in reverse order, one after the other, then
 * done(arg) on the loop thread. Calling it twice is a no-op. */
void lh_roles_stop(lh_roles_t *rs, void (*done)(void *), void *arg);

/* 1 when every started role reports ready and none failed or is stopping. */
int lh_roles_ready(const lh_roles_t *rs);
/* {"status":"ready"|"not ready","roles":{"store":"ready",...}} into out.
 * Returns 1 when ready, 0 when not, or LH_ENOMEM (the buffer's error). */
int lh_roles_status_json(const lh_roles_t *rs, lh_buf_t *out);

/* The route tables of the roles that run now (started, not stopping), in
 * table order, as a source for a router (lh_rest_set_source with rs as arg):
 * fills *out (owner = the role's name, arg = its handle) after cursor *pos
 * (0 at first) and advances it; 1, or 0 at the end. Loop thread. */
int lh_roles_next_routes(const void *rs, int *pos, lh_rest_table_t *out);

/* Records endpoint key -> "host:port" in run/endpoints.json (through the
 * callback the command layer set) and logs it. Returns 0 or LH_EIO. */
int lh_roles_publish_endpoint(lh_roles_t *rs, const char *key, const char *hostport);
void lh_roles_set_publisher(lh_roles_t *rs,
                            int (*publish)(void *arg, const char *key, const char *hostport),
                            void *arg);
/* Shares a handle between roles of one process ("store.engine" -> the engine
 * the embedded object store serves from). Borrowed; provided by the role that
 * owns it, valid until that role stops. lookup returns NULL when absent. */
int lh_roles_provide(lh_roles_t *rs, const char *name, void *ptr);
void *lh_roles_lookup(const lh_roles_t *rs, const char *name);

#endif
