/* Group commit for the embedded store, shared by concurrent writers: callers
 * queue an index operation (and wait, or hand over a completion to be called
 * when it is committed); whoever finds no leader (a waiting caller, or the
 * store's committer thread) takes every queued operation, fsyncs once each data/xx directory the
 * batch's bodies were renamed into, then runs the operations in one SQLite transaction (each under
 * its own savepoint, so a failed condition rolls back only its own operation) with one
 * synchronous=FULL commit, and wakes the others. A directory fsync failure poisons the store (every
 * later publish fails with LH_EIO): after a failed fsync the page cache can no longer be trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "store/engine_int.h"

static int exec_q(lh__conn_t *c, int q)
{
    sqlite3_stmt *s = lh__store_stmt(c, q, NULL);
    if (!s) return 0;
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    return r == SQLITE_DONE || r == SQLITE_ROW;
}

static void reset_all(lh__conn_t *c)
{
    for (int i = 0; i < Q_COUNT; i++)
        if (c->q[i]) sqlite3_reset(c->q[i]);
}

static void fail_ops(lh__op_t *ops, const char *what, const char *msg, int only_ok)
{
    for (lh__op_t *o = ops; o; o = o->next)
        if (!o->skip && (!only_ok || o->rc >= 0))
            o->rc = lh_err_set(&o->err, LH_EIO, "index %s failed: %s", what, msg);
}

static void run_batch(lh__conn_t *c, lh__op_t *ops)
{
    if (!exec_q(c, Q_BEGIN)) {
        fail_ops(ops, "transaction", sqlite3_errmsg(c->db), 0);
        return;
    }
    for (lh__op_t *o = ops; o; o = o->next) {
        if (o->skip) continue;
        if (!exec_q(c, Q_SP)) {
            o->rc = lh__sql_err(c, &o->err, "savepoint");
            continue;
        }
        o->rc = o->fn(c, o->arg, &o->err);
        reset_all(c);
        if (sqlite3_get_autocommit(c->db)) { /* SQLite rolled the whole transaction back */
            fail_ops(ops, "transaction", "rolled back", 0);
            return;
        }
        if (o->rc < 0) exec_q(c, Q_SP_ROLLBACK);
        exec_q(c, Q_SP_RELEASE);
    }
    if (!exec_q(c, Q_COMMIT)) {
        fail_ops(ops, "commit", sqlite3_errmsg(c->db), 1);
        exec_q(c, Q_ROLLBACK);
    }
}

static int sync_dirs(lh_store_t *st, const unsigned char *dirty)
{
    for (int i = 0; i < 256; i++) {
        if (!dirty[i]) continue;
        char name[16];
        snprintf(name, sizeof name, "data/%02x", i);
        if (lh__fsync_dir_at(st->root_fd, name) < 0) return errno;
    }
    return 0;
}

/* Makes the renames of the batch durable; ops whose body could not be made
 * durable are failed and skipped. Runs in the leader only. */
static void sync_batch(lh_store_t *st, lh__op_t *ops)
{
    unsigned char dirty[256] = {0};
    int any = 0;
    for (lh__op_t *o = ops; o; o = o->next) {
        unsigned char dir; /* the data/xx directory: the id's first two hex digits */
        if (o->sync_id && lh_hex_decode((lh_str_t){o->sync_id, 2}, &dir, 1) == 1) {
            dirty[dir] = 1;
            any = 1;
        }
    }
    if (!any) return;
    if (!st->s_errno) st->s_errno = sync_dirs(st, dirty);
    if (!st->s_errno) {
        lh_store_crash_point("after_dirsync");
        return;
    }
    for (lh__op_t *o = ops; o; o = o->next)
        if (o->sync_id) {
            o->skip = 1;
            o->rc = lh_err_set(&o->err, LH_EIO, "cannot sync store data directory: %s",
                               strerror(st->s_errno));
        }
}

static int exec_op(lh_store_t *st, lh__op_t *op, lh_err_t *err);

int lh__index_exec(lh_store_t *st, int (*fn)(lh__conn_t *, void *, lh_err_t *), void *arg,
                   lh_err_t *err)
{
    lh__op_t op = {.fn = fn, .arg = arg};
    return exec_op(st, &op, err);
}

int lh__publish_exec(lh_store_t *st, const char *id, int (*fn)(lh__conn_t *, void *, lh_err_t *),
                     void *arg, lh_err_t *err)
{
    lh__op_t op = {.fn = fn, .arg = arg, .sync_id = id};
    return exec_op(st, &op, err);
}

/* Leads one batch: every operation queued now. Called with gmu held and no
 * leader; returns with gmu held. Synchronous callers are woken; queued
 * operations with a completion (lh__index_submit) get it called here,
 * after the leadership is given up, so the next batch can start meanwhile. */
static void lead(lh_store_t *st)
{
    st->gleader = 1;
    lh__op_t *batch = st->gq_head, *async = NULL;
    st->gq_head = st->gq_tail = NULL;
    pthread_mutex_unlock(&st->gmu);
    lh__cache_batch_begin(st);
    sync_batch(st, batch);
    run_batch(st->writer, batch);
    lh__cache_batch_end(st); /* before anyone of the batch is acknowledged */
    pthread_mutex_lock(&st->gmu);
    for (lh__op_t *o = batch, *next; o; o = next) {
        next = o->next; /* o may vanish once done is seen */
        if (o->complete) {
            o->next = async;
            async = o;
        } else {
            o->done = 1;
        }
    }
    st->gleader = 0;
    pthread_cond_broadcast(&st->gcv);
    if (st->gq_head) pthread_cond_signal(&st->ccv); /* what queued meanwhile may have no waiter */
    pthread_mutex_unlock(&st->gmu);
    for (lh__op_t *o = async, *next; o; o = next) {
        next = o->next;
        o->complete(o);
    }
    pthread_mutex_lock(&st->gmu);
}

static void enqueue(lh_store_t *st, lh__op_t *op)
{
    op->next = NULL;
    if (st->gq_tail)
        st->gq_tail->next = op;
    else
        st->gq_head = op;
    st->gq_tail = op;
}

static int exec_op(lh_store_t *st, lh__op_t *op, lh_err_t *err)
{
    pthread_mutex_lock(&st->gmu);
    enqueue(st, op);
    while (!op->done) {
        if (st->gleader)
            pthread_cond_wait(&st->gcv, &st->gmu);
        else
            lead(st);
    }
    pthread_mutex_unlock(&st->gmu);
    if (op->rc < 0 && err) *err = op->err;
    return op->rc;
}

void lh__index_submit(lh_store_t *st, lh__op_t *op)
{
    pthread_mutex_lock(&st->gmu);
    enqueue(st, op);
    if (!st->gleader) pthread_cond_signal(&st->ccv);
    pthread_mutex_unlock(&st->gmu);
}

/* The committer thread: leads whenever operations are queued and nobody
 * leads, so submitted operations need no waiting thread of their own; what
 * arrives during a commit goes into the next one. Drains the queue before
 * it ends. */
static void *committer(void *arg)
{
    lh_store_t *st = arg;
    pthread_mutex_lock(&st->gmu);
    for (;;) {
        if (st->gq_head && !st->gleader)
            lead(st);
        else if (st->cstop && !st->gq_head && !st->gleader)
            break;
        else
            pthread_cond_wait(&st->ccv, &st->gmu);
    }
    pthread_mutex_unlock(&st->gmu);
    return NULL;
}

int lh__committer_start(lh_store_t *st)
{
    if (pthread_create(&st->cthread, NULL, committer, st) != 0) return LH_ENOMEM;
    st->cstarted = 1;
    return 0;
}

void lh__committer_stop(lh_store_t *st)
{
    if (!st->cstarted) return;
    pthread_mutex_lock(&st->gmu);
    st->cstop = 1;
    pthread_cond_signal(&st->ccv);
    pthread_mutex_unlock(&st->gmu);
    pthread_join(st->cthread, NULL);
    st->cstarted = 0;
}
