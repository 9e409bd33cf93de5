/* The data directory: exclusive owner lock (<data-dir>/LOCK), format version
 * (<data-dir>/FORMAT), the run/ directory with endpoints.json. */
#ifndef LH_CORE_DATADIR_H
#define LH_CORE_DATADIR_H

#include "core/err.h"

#define LH_DATADIR_FORMAT 1

typedef struct lh_datadir lh_datadir_t;

/* Creates the directory (and meta/, run/) if missing; the directory and
 * meta/ are 0700 (found open to group or others: changed to 0700 with a
 * warning in the log). Takes an exclusive flock
 * on LOCK (writing our pid into it), checks or writes FORMAT.
 * Errors: LH_EBUSY "data directory %s is in use by pid %d";
 * LH_ECORRUPT on an unknown FORMAT; LH_EIO. Owned by the caller. */
int lh_datadir_open(lh_datadir_t **out, const char *path, lh_err_t *err);
/* Releases the lock, removes run/endpoints.json, frees. */
void lh_datadir_close(lh_datadir_t *dd);
const char *lh_datadir_path(const lh_datadir_t *dd);
/* Records name -> "host:port" and rewrites run/endpoints.json atomically:
 * one flat object of endpoint keys ("s3", "web", ...) plus "version" (string)
 * and "pid" (integer). Returns 0 or LH_EIO/LH_ENOMEM. */
int lh_datadir_set_endpoint(lh_datadir_t *dd, const char *name, const char *hostport);
/* 1 when another process holds the lock (for offline tools), else 0. */
int lh_datadir_in_use(const char *path, int *pid);

#endif
