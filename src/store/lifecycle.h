/* Bucket lifecycle: the rules of PutBucketLifecycleConfiguration, checked
 * and kept with the bucket as JSON (lh_store_bucket_set_lifecycle), rendered
 * back for GetBucketLifecycleConfiguration, and the sweep that applies them
 * (the store role runs it from a timer on its long-job pool). Supported:
 * prefix and empty filters (and the legacy top-level Prefix), Expiration
 * (Days, Date, ExpiredObjectDeleteMarker), NoncurrentVersionExpiration
 * (NoncurrentDays) and AbortIncompleteMultipartUpload (DaysAfterInitiation);
 * tag and size filters and transitions are refused with NotImplemented.
 * Days count as S3 counts them: from the object's creation (for a
 * noncurrent version, from when it became noncurrent: its successor's
 * creation), rounded up to the next midnight UTC. */
#ifndef LH_STORE_LIFECYCLE_H
#define LH_STORE_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/engine.h"

/* Parses and checks a LifecycleConfiguration document xml[0..n) into the
 * JSON text kept with the bucket (*json malloc'd, the caller frees). 0, or
 * -1 with *code the S3 error code (static: MalformedXML, InvalidArgument,
 * InvalidRequest, NotImplemented) and msg (caller's, cap bytes) saying what
 * is wrong; *json is then NULL. */
int lh_lifecycle_parse(const char *xml, size_t n, char **json, const char **code, char *msg,
                       size_t cap);
/* Appends the LifecycleConfiguration document of stored rules to out.
 * Returns 0, LH_EINVAL (json is not rules this module wrote) or out's
 * sticky error. */
int lh_lifecycle_render(const char *json, lh_buf_t *out);

typedef struct lh_lifecycle_stats {
    uint64_t buckets;          /* buckets with rules swept */
    uint64_t expired;          /* current objects expired (removed, or a delete marker added) */
    uint64_t versions_removed; /* noncurrent versions and expired delete markers removed */
    uint64_t uploads_aborted;  /* incomplete multipart uploads aborted */
} lh_lifecycle_stats_t;

/* One pass over every bucket with enabled rules, as if the time were now_ns
 * (ns since the epoch): expires what is due, through the engine's
 * conditional deletes (an object changed since it was listed is left
 * alone). Blocking (a worker thread); memory bounded by one listing page.
 * stop(stop_arg) (may be NULL) is asked between pages: non-zero ends the
 * pass early, which is not an error. Counts into *stats (added to).
 * Errors: the engine's (LH_EIO, LH_ENOMEM); a bucket deleted meanwhile is
 * skipped. */
int lh_lifecycle_sweep(lh_store_t *st, int64_t now_ns, int (*stop)(void *), void *stop_arg,
                       lh_lifecycle_stats_t *stats, lh_err_t *err);

#endif
