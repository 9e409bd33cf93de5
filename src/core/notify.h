/* Process-wide notices between the roles that share one process (`lakehouse
 * up`): the S3 API announces every object it created (PutObject,
 * CompleteMultipartUpload, CopyObject: MinIO's s3:ObjectCreated:* events,
 * delivered in process), so that the orchestrator pokes a sensor waiting for
 * that object at once instead of at its next poke_interval. A role in a
 * process of its own hears nothing and keeps polling. */
#ifndef LH_CORE_NOTIFY_H
#define LH_CORE_NOTIFY_H

#include <stddef.h>

/* Runs on the announcing thread, under the notifier's lock: it must be quick
 * (queue the work elsewhere) and must not subscribe, unsubscribe or announce. */
typedef void (*lh_notify_object_fn)(void *arg, const char *bucket, const char *key, size_t keylen);

/* Adds fn(arg). Returns 0, or LH_ENOMEM when 8 are subscribed already. */
int lh_notify_object_subscribe(lh_notify_object_fn fn, void *arg);
/* Removes fn(arg); returns once no call of it is running. */
void lh_notify_object_unsubscribe(lh_notify_object_fn fn, void *arg);
/* Announces that bucket/key was created; nothing to do (no lock taken) when
 * no one listens. Any thread. */
void lh_notify_object_created(const char *bucket, const char *key, size_t keylen);

#endif
