/* `lakehouse sensor`: what a sensor task runs (flow/task_sensor.c). It pokes
 * until its condition holds: `object s3://bucket/key` is met when a HEAD of
 * the key through the lake (the lake.* keys, as `lakehouse sql` opens it)
 * finds it; `topic T --partition P --at MS` is met when the partition holds a
 * record with a timestamp at or after MS (ListOffsets by time, librdkafka's
 * rd_kafka_offsets_for_times; brokers from KAFKA_BOOTSTRAP_SERVERS, SASL
 * from KAFKA_SASL_*, else the `kafka` section). Exit 0 met; with --once one
 * poke and exit 75 (EX_TEMPFAIL) when not met (reschedule mode); otherwise
 * it sleeps --poke-interval seconds between pokes and exits 2 once
 * --timeout seconds have passed (a sensor timeout fails without retry).
 * Errors that another poke cannot cure (access denied, bad arguments) exit
 * 1 or 2 at once; transport errors are printed and poked again. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/topic_int.h"
#include "core/str.h"
#include "store/objstore.h"

enum { MET = 0, NOT_MET = 75, TIMED_OUT = 2 };
#define POKE_AGAIN (-1) /* a poke's result: not met (yet) */

typedef struct sensor {
    const char *kind, *target; /* object s3://..., topic T */
    int64_t partition, at_ms, poke, timeout;
    int once;
    lh_config_t *cfg;
    lh_objstore_t *lake; /* object */
    char bucket[256];
    const char *key;
    lh_topic_cli_t cl; /* topic */
    rd_kafka_t *rk;
} sensor_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: lakehouse sensor object s3://BUCKET/KEY [options]\n"
                 "       lakehouse sensor topic TOPIC --at MS [--partition P] [options]\n\n"
                 "Waits until the object exists, or until the partition (default 0) holds a\n"
                 "record with a timestamp at or after MS (milliseconds since the epoch).\n"
                 "  --poke-interval S  seconds between pokes (60)\n"
                 "  --timeout S        give up after S seconds: exit 2 (7 days)\n"
                 "  --once             one poke: exit 0 met, 75 not met\n"
                 "Exit 0 when met, 2 on timeout or bad arguments, 1 on errors.\n");
}

/* --- object --- */

static int object_open(sensor_t *s)
{
    const char *u = s->target;
    const char *slash = !strncmp(u, "s3://", 5) ? strchr(u + 5, '/') : NULL;
    if (!slash || slash == u + 5 || !slash[1] || (size_t)(slash - u - 5) >= sizeof s->bucket) {
        fprintf(stderr, "lakehouse sensor: expected s3://BUCKET/KEY, got %s\n", u);
        return 2;
    }
    snprintf(s->bucket, sizeof s->bucket, "%.*s", (int)(slash - u - 5), u + 5);
    s->key = slash + 1;
    lh_err_t e = {0};
    int rc = lh_objstore_open_lake(&s->lake, s->cfg, &e);
    if (rc == LH_ENOENT) {
        fprintf(stderr, "lakehouse sensor: no lake: set lake.endpoint (AWS_ENDPOINT_URL)\n");
        return 2;
    }
    if (rc) fprintf(stderr, "lakehouse sensor: the lake: %s\n", e.msg);
    return rc ? 1 : 0;
}

static int object_poke(sensor_t *s)
{
    lh_err_t e = {0};
    lh_objstore_meta_t m;
    int rc = lh_objstore_head(s->lake, s->bucket, s->key, &m, &e);
    if (!rc) {
        printf("met: s3://%s/%s exists (%lld bytes)\n", s->bucket, s->key, (long long)m.size);
        return MET;
    }
    if (rc == LH_ENOENT) {
        printf("not met: s3://%s/%s does not exist\n", s->bucket, s->key);
        return POKE_AGAIN;
    }
    fprintf(stderr, "lakehouse sensor: s3://%s/%s: %s\n", s->bucket, s->key, e.msg);
    return rc == LH_EIO ? POKE_AGAIN : 1;
}

/* --- topic --- */

static int topic_open(sensor_t *s)
{
    lh_topic_cli_t *cl = &s->cl;
    cl->cfg = s->cfg;
    cl->topic = s->target;
    cl->timeout_ms = 10000;
    lh__topic_task_env(cl);
    if (!(cl->conf = lh__topic_conf(cl))) return 2;
    s->rk = lh__topic_client(cl);
    return s->rk ? 0 : 1;
}

static int topic_poke(sensor_t *s)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *p =
        rd_kafka_topic_partition_list_add(l, s->target, (int32_t)s->partition);
    p->offset = s->at_ms;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(s->rk, l, s->cl.timeout_ms);
    if (!err) err = p->err;
    int64_t off = p->offset;
    rd_kafka_topic_partition_list_destroy(l);
    if (lh__topic_broker_trouble(&s->cl, s->rk)) return 1;
    if (err) {
        fprintf(stderr, "lakehouse sensor: %s[%lld]: %s\n", s->target, (long long)s->partition,
                rd_kafka_err2str(err));
        return POKE_AGAIN;
    }
    if (off >= 0) {
        printf("met: %s[%lld] has a record at or after %lld ms (offset %lld)\n", s->target,
               (long long)s->partition, (long long)s->at_ms, (long long)off);
        return MET;
    }
    printf("not met: %s[%lld] has no record at or after %lld ms\n", s->target,
           (long long)s->partition, (long long)s->at_ms);
    return POKE_AGAIN;
}

/* --- the loop --- */

typedef struct kind {
    const char *name;
    int (*open)(sensor_t *s);
    int (*poke)(sensor_t *s);
} kind_t;

static const kind_t kinds[] = {
    {.name = "object", .open = object_open, .poke = object_poke},
    {.name = "topic", .open = topic_open, .poke = topic_poke},
};

static int64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static int run(sensor_t *s, const kind_t *k)
{
    int64_t start = now_s();
    for (;;) {
        int r = k->poke(s);
        fflush(stdout);
        if (r != POKE_AGAIN) return r;
        if (s->once) return NOT_MET;
        int64_t left = s->timeout - (now_s() - start);
        if (left <= 0) {
            fprintf(stderr, "lakehouse sensor: timed out after %lld s\n", (long long)s->timeout);
            return TIMED_OUT;
        }
        sleep((unsigned)(left < s->poke ? left : s->poke));
    }
}

/* Options after KIND TARGET; 0 or 2 after printing why. */
static int parse(sensor_t *s, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *num = !strcmp(a, "--poke-interval") ? &s->poke
                       : !strcmp(a, "--timeout")     ? &s->timeout
                       : !strcmp(a, "--partition")   ? &s->partition
                       : !strcmp(a, "--at")          ? &s->at_ms
                                                     : NULL;
        if (!strcmp(a, "--once")) {
            s->once = 1;
            continue;
        }
        if (!num || !v || lh_parse_i64(v, num) || *num < 0) {
            fprintf(stderr, "lakehouse sensor: bad option %s%s%s\n", a, v ? " " : "", v ? v : "");
            return 2;
        }
        i++;
    }
    if (s->poke < 1) s->poke = 1;
    if (!strcmp(s->kind, "topic") && s->at_ms < 0) {
        fprintf(stderr, "lakehouse sensor: topic needs --at MS\n");
        return 2;
    }
    return 0;
}

int lh_cmd_sensor(int argc, char **argv)
{
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) return usage(stdout), 0;
    sensor_t s = {.poke = 60, .timeout = 7 * 86400, .at_ms = -1};
    lh_err_t e = {0};
    if (lh_config_load(&s.cfg, &argc, argv, &e)) {
        fprintf(stderr, "lakehouse sensor: %s\n", e.msg);
        return 2;
    }
    const kind_t *k = NULL;
    for (size_t i = 0; argc >= 2 && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(argv[0], kinds[i].name)) k = &kinds[i];
    int rc = 2;
    if (!k)
        usage(stderr);
    else {
        s.kind = argv[0];
        s.target = argv[1];
        rc = parse(&s, argc, argv);
        if (!rc) rc = k->open(&s);
        if (!rc) rc = run(&s, k);
    }
    if (s.rk) rd_kafka_destroy(s.rk);
    if (s.cl.conf) rd_kafka_conf_destroy(s.cl.conf);
    lh_objstore_close(s.lake);
    lh_config_free(s.cfg);
    return rc;
}
