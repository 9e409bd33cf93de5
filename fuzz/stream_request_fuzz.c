/* libFuzzer target for the Kafka request decoder: the broker's framing
 * (kafka.c), header and every API handler of k_apis.c, on a real broker
 * over topics on /dev/shm, without a socket. Input: what a client would
 * send on one connection, frames back to back (INT32 size + request).
 * 1. Framing never accepts a size under the header or over the 100 MiB cap,
 *    and a frame is dispatched only when whole.
 * 2. Every frame is answered, dropped (acks=0) or closes the connection;
 *    nothing crashes, leaks (ASan) or reads outside the frame.
 * 3. Parked requests (long-polling fetches, acks=all produces waiting on
 *    their fsync) are cancelled cleanly when the connection goes, and the
 *    broker's loop runs dry afterwards.
 * Topics are auto-created with 2 partitions and 64 KiB segments; the whole
 * directory is dropped every 256 inputs so long runs stay small. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "core/log.h"
#include "stream/broker_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lh_sb_t broker;
static uv_loop_t loop;
static char dir[64];
static int inputs;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void fresh_broker(void)
{
    lh_err_t err = {0};
    if (broker.dir) {
        lh_stream_groups_close(broker.groups);
        uv_run(&loop, UV_RUN_DEFAULT); /* its fsync job, if one is in flight */
        lh__sb_topics_free(&broker);
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    memset(&broker, 0, sizeof broker);
    broker.loop = &loop;
    broker.dir = dir;
    broker.o = (lh_sb_opts_t){.auto_create = true,
                              .default_partitions = 2,
                              .topic = {.v = {[LH_SB_RETENTION_MS] = -1,
                                              [LH_SB_RETENTION_BYTES] = 1 << 20,
                                              [LH_SB_SEGMENT_BYTES] = 64 << 10,
                                              [LH_SB_SEGMENT_MS] = 0,
                                              [LH_SB_MAX_MESSAGE_BYTES] = 1 << 20}},
                              .node_id = 0,
                              .port = 9092};
    snprintf(broker.o.host, sizeof broker.o.host, "127.0.0.1");
    broker.next_producer_id = 1000;
    if (lh__sb_topics_load(&broker, &err) || lh__sb_groups_open(&broker, &err)) {
        fprintf(stderr, "cannot load topics or groups: %s\n", err.msg);
        abort();
    }
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/dev/shm/lh-kreq-fuzz-%d", (int)getpid());
    lh_log_init("text", "error");
    uv_loop_init(&loop);
    fresh_broker();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!broker.dir) setup();
    if (++inputs % 256 == 0) fresh_broker();
    lh_kconn_t *k = lh__kconn_new(&broker, NULL);
    if (!k) return 0;
    const char *p = (const char *)data;
    size_t left = size;
    while (left > 0 && !k->closing) {
        long n = lh__kafka_proto.frame(NULL, p, left, &broker);
        if (n < 0) break;                      /* a bad size: the connection closes */
        if (n == 0 || (size_t)n > left) break; /* incomplete: never dispatched */
        if (n < 12) abort();                   /* property 1 */
        char *frame = malloc((size_t)n);       /* exactly the frame: ASan sees overreads */
        if (!frame) break;
        memcpy(frame, p, (size_t)n);
        lh__kafka_dispatch(k, NULL, frame, (size_t)n);
        free(frame);
        p += n;
        left -= (size_t)n;
    }
    lh__kconn_free(k);
    uv_run(&loop, UV_RUN_DEFAULT); /* fsync jobs and closed timers finish */
    lh__sb_groups_tick(&broker);   /* the coordinator's timers (a clock of its own) */
    return 0;
}
