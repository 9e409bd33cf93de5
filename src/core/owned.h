/* What a user owns outside the user table: the store's buckets today (later
 * DAGs, topics). Removing a user must not leave them to whoever is next
 * given the same name, so the users API asks before it removes a user (and
 * refuses, naming them) or hands them over to another user on request. The
 * role that keeps the things provides one lh_owned_t through the role table
 * (lh_roles_provide(rs, LH_OWNED_BUCKETS, &owned), core/role.h) and the web
 * role finds it with lh_roles_lookup: core defines the shape and the service
 * fills it in, so the web role reaches the store without including it.
 *
 * Both calls block (SQLite): call them from a worker, never a loop thread.
 * The struct and ctx are the provider's, valid while its role's handle is. */
#ifndef LH_CORE_OWNED_H
#define LH_CORE_OWNED_H

#include <stdint.h>

#include "core/err.h"

#define LH_OWNED_BUCKETS "store.buckets" /* the store role's buckets */

typedef struct lh_owned {
    const char *what; /* "bucket": the word for one of them, in messages */
    void *ctx;
    /* fn(name, arg) for each thing owner owns, in name order; stops when fn
     * returns non-zero (not an error). 0, LH_EIO or LH_ENOMEM. */
    int (*list)(void *ctx, const char *owner, int (*fn)(const char *name, void *arg), void *arg);
    /* Gives everything from owns to to, in one transaction; *moved (may be
     * NULL) counts them. 0, or LH_EIO/LH_ENOMEM with err set. */
    int (*reassign)(void *ctx, const char *from, const char *to, int64_t *moved, lh_err_t *err);
} lh_owned_t;

#endif
