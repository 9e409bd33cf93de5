/* Frame mode's sequence slots: one per message, answered in any order,
 * written in message order. The head slot's bytes go straight to the write
 * queue; later slots hold theirs until every earlier slot has ended. Output
 * written outside a slot while slots are in flight rides in an ended slot
 * at the tail, so it too comes after every answer in flight. */
#include "core/tcp_int.h"

#include <stdlib.h>

lh_tcp_conn_t *lh_tcp_slot_conn(const lh_tcp_slot_t *s)
{
    return s->c;
}

int lh_tcp_slot_alive(const lh_tcp_slot_t *s)
{
    return !s->ended && (s->c->state == LH__TC_OPEN || s->c->state == LH__TC_CLOSING);
}

static void slot_hold(lh_tcp_slot_t *s, lh__tcp_out_t *o)
{
    if (s->qt)
        s->qt->next = o;
    else
        s->qh = o;
    s->qt = o;
}

static int slot_put(lh_tcp_slot_t *s, lh__tcp_out_t *o)
{
    lh_tcp_conn_t *c = s->c;
    if (!o) {
        lh_tcp_conn_abort(c);
        return LH_ENOMEM;
    }
    if (s == c->sh)
        lh__tcp_out_queue(c, o);
    else
        slot_hold(s, o);
    if (c->queued > c->srv->write_high) c->paused_out = 1;
    return 0;
}

int lh_tcp_slot_write(lh_tcp_slot_t *s, const void *data, size_t len, lh_tcp_write_cb done,
                      void *arg)
{
    if (!lh_tcp_slot_alive(s)) return LH_EPROTO;
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    return slot_put(s, lh__tcp_out_new(s->c, &b, 1, done, arg));
}

int lh_tcp_slot_sendfile(lh_tcp_slot_t *s, int fd, int64_t off, int64_t len, lh_tcp_write_cb done,
                         void *arg)
{
    if (fd < 0 || off < 0 || len < 0) return LH_EINVAL;
    if (!lh_tcp_slot_alive(s)) return LH_EPROTO;
    return slot_put(s, lh__tcp_out_file(s->c, fd, off, len, done, arg));
}

void lh__tcp_slots_advance(lh_tcp_conn_t *c)
{
    while (c->sh && c->sh->ended) {
        lh_tcp_slot_t *s = c->sh;
        c->sh = s->next;
        if (!c->sh) c->st = NULL;
        c->nlinked--;
        free(s);
        for (lh_tcp_slot_t *h = c->sh; h && h->qh;) {
            lh__tcp_out_t *o = h->qh;
            h->qh = o->next;
            if (!h->qh) h->qt = NULL;
            o->next = NULL;
            lh__tcp_out_queue(c, o);
        }
    }
}

static void slot_unlink(lh_tcp_conn_t *c, lh_tcp_slot_t *s)
{
    lh_tcp_slot_t **pp = &c->sh, *prev = NULL;
    while (*pp && *pp != s) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp) return;
    *pp = s->next;
    if (c->st == s) c->st = prev;
    c->nlinked--;
    free(s);
}

void lh_tcp_slot_end(lh_tcp_slot_t *s)
{
    lh_tcp_conn_t *c = s->c;
    if (s->ended) return;
    s->ended = 1;
    c->nslots--;
    if (c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) {
        if (c->state == LH__TC_CLOSED) slot_unlink(c, s);
        if (c->state == LH__TC_CLOSED && c->handles == 0 && !c->begun && c->nlinked == 0)
            lh__tcp_conn_free(c);
        return;
    }
    if (s == c->sh) lh__tcp_slots_advance(c);
    if (c->nslots == 0) lh__tcp_touch(c);
    if (c->nslots == c->srv->max_in_flight - 1) lh_tcp_conn_kick(c);
    if (!c->in_process) lh__tcp_update(c);
}

int lh__tcp_conn_queue(lh_tcp_conn_t *c, lh__tcp_out_t *o)
{
    if (c->srv->raw || !c->sh) {
        lh__tcp_out_queue(c, o);
        return 0;
    }
    lh_tcp_slot_t *s = calloc(1, sizeof *s);
    if (!s) return LH_ENOMEM;
    s->c = c;
    s->ended = 1;
    slot_hold(s, o);
    c->st->next = s;
    c->st = s;
    c->nlinked++;
    return 0;
}
