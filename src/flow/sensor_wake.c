/* Sensors woken by the store: when the roles share a process (`lakehouse
 * up`), the S3 API announces each object it creates (core/notify.h), and a
 * reschedule-mode object sensor waiting for exactly that s3://bucket/key is
 * poked at once, not at its next poke_interval; its poke still decides (the
 * lake may be another store that happens to hold the same key). Elsewhere
 * (roles in processes of their own, a lake on another endpoint) nothing is
 * announced and the sensors poll as before. The announcing thread only
 * queues the key for the scheduler thread, and only while such a sensor
 * waits (object_waiters, recounted after each pass and raised whenever one
 * starts to wait). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify.h"
#include "flow/flow_int.h"

/* A notice on its way to the scheduler thread. */
typedef struct notice {
    lh_flow_t *f;
    char uri[]; /* s3://bucket/key */
} notice_t;

static bool waits_for_object(const lh__ti_t *ti)
{
    return ti->rec.state == LH_FLOW_TS_UP_FOR_RESCHEDULE && ti->watch_object;
}

static void wake_on_thread(void *arg, int status)
{
    notice_t *m = arg;
    lh_flow_t *f = m->f;
    if (!status && !f->stopping) {
        int64_t now = lh__flow_clock_us(f);
        int woke = 0;
        for (lh__run_t *r = f->runs; r; r = r->next) {
            if (!r->nwaiting) continue;
            for (int i = 0; i < r->v->dag->ntasks; i++) {
                lh__ti_t *ti = &r->tis[i];
                if (waits_for_object(ti) && ti->rec.next_try_us > now &&
                    !strcmp(ti->watch_object, m->uri)) {
                    ti->rec.next_try_us = now;
                    woke++;
                }
            }
        }
        if (woke) lh__flow_kick(f);
    }
    free(m);
}

static void on_object(void *arg, const char *bucket, const char *key, size_t keylen)
{
    lh_flow_t *f = arg;
    if (!atomic_load_explicit(&f->object_waiters, memory_order_relaxed)) return;
    size_t n = 5 + strlen(bucket) + 1 + keylen + 1;
    notice_t *m = malloc(sizeof *m + n);
    if (!m) return;
    m->f = f;
    snprintf(m->uri, n, "s3://%s/%.*s", bucket, (int)keylen, key);
    if (lh_loop_post(f->poster, wake_on_thread, m)) free(m);
}

void lh__flow_sensor_wake_start(lh_flow_t *f)
{
    f->wake_subscribed = lh_notify_object_subscribe(on_object, f) == 0;
}

void lh__flow_sensor_wake_stop(lh_flow_t *f)
{
    if (f->wake_subscribed) lh_notify_object_unsubscribe(on_object, f);
    f->wake_subscribed = 0;
}

void lh__flow_sensor_wake_count(lh_flow_t *f)
{
    int n = 0;
    for (lh__run_t *r = f->runs; r; r = r->next) {
        if (!r->nwaiting) continue;
        for (int i = 0; i < r->v->dag->ntasks; i++)
            n += waits_for_object(&r->tis[i]);
    }
    atomic_store(&f->object_waiters, n);
}
