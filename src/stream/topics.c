/* The broker's topics: the list in <data-dir>/stream/topics.json (name,
 * partition count, the configs a topic sets, Kafka's names), rewritten whole
 * and atomically (temporary file, fsync, rename, directory fsync) before a
 * create, delete or growth is acknowledged; each partition's log in
 * <data-dir>/stream/logs/<topic>-<partition>/ (Kafka's naming). A deleted
 * topic leaves the list first, then its directories go; its structs wait in
 * a graveyard until the broker stops, since a request may still point at
 * them (they are marked deleted). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/log.h"
#include "stream/broker_int.h"
#include "stream/stream_int.h"

const char *const lh__sb_conf_names[LH_SB_NCONF] = {
    [LH_SB_RETENTION_MS] = "retention.ms",           [LH_SB_RETENTION_BYTES] = "retention.bytes",
    [LH_SB_SEGMENT_BYTES] = "segment.bytes",         [LH_SB_SEGMENT_MS] = "segment.ms",
    [LH_SB_MAX_MESSAGE_BYTES] = "max.message.bytes", [LH_SB_COMPRESSION_TYPE] = "compression.type",
    [LH_SB_ZSTD_LEVEL] = "compression.zstd.level",
};

static const char *const codec_names[] = {"uncompressed", "gzip", "snappy", "lz4", "zstd"};

int lh__sb_codec_parse(lh_str_t s)
{
    if (lh_str_eq(s, "producer")) return LH_SB_PRODUCER_CODEC;
    for (int i = 0; i < 5; i++)
        if (i != LH_STREAM_CODEC_SNAPPY && lh_str_eq(s, codec_names[i])) return i;
    return -2;
}

const char *lh__sb_codec_name(int64_t v)
{
    return v >= 0 && v < 5 ? codec_names[v] : "producer";
}

int64_t lh__sb_topic_conf(const lh_sb_t *b, const lh_sb_topic_t *t, int i)
{
    return t->set[i] ? t->conf.v[i] : b->o.topic.v[i];
}

bool lh__sb_topic_name_ok(lh_str_t n)
{
    if (n.len == 0 || n.len > 249 || lh_str_eq(n, ".") || lh_str_eq(n, "..")) return false;
    for (size_t i = 0; i < n.len; i++) {
        char c = n.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

lh_sb_topic_t *lh__sb_topic_find(lh_sb_t *b, lh_str_t name)
{
    for (int i = 0; i < b->ntopics; i++)
        if (lh_str_eq(name, b->topics[i]->name)) return b->topics[i];
    return NULL;
}

lh_sb_part_t *lh__sb_part(lh_sb_topic_t *t, int32_t id)
{
    return t && !t->deleted && id >= 0 && id < t->nparts ? t->parts[id] : NULL;
}

/* ---- topics.json ---- */

static json_t *topic_json(const lh_sb_topic_t *t)
{
    json_t *cf = json_object();
    for (int i = 0; i < LH_SB_NCONF; i++)
        if (t->set[i])
            json_object_set_new(cf, lh__sb_conf_names[i],
                                i == LH_SB_COMPRESSION_TYPE
                                    ? json_string(lh__sb_codec_name(t->conf.v[i]))
                                    : json_integer(t->conf.v[i]));
    return json_pack("{s:s, s:i, s:o}", "name", t->name, "partitions", (json_int_t)t->nparts,
                     "configs", cf);
}

static int save(lh_sb_t *b, lh_err_t *err)
{
    json_t *arr = json_array();
    for (int i = 0; i < b->ntopics; i++)
        json_array_append_new(arr, topic_json(b->topics[i]));
    json_t *root = json_pack("{s:i, s:o}", "version", 1, "topics", arr);
    char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    char tmp[4096], path[4096];
    snprintf(path, sizeof path, "%s/topics.json", b->dir);
    snprintf(tmp, sizeof tmp, "%s/topics.json.tmp", b->dir);
    int rc = 0;
    int fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    size_t len = text ? strlen(text) : 0;
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) || rename(tmp, path))
        rc = lh_err_set(err, LH_EIO, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    free(text);
    return rc ? rc : lh__fsync_dir(b->dir, err);
}

void lh__sb_part_dir(const lh_sb_t *b, const lh_sb_topic_t *t, int32_t id, char *out, size_t n)
{
    snprintf(out, n, "%s/logs/%s-%d", b->dir, t->name, (int)id);
}

static int add_parts(lh_sb_t *b, lh_sb_topic_t *t, int32_t nparts, lh_err_t *err)
{
    lh_sb_part_t **np = realloc(t->parts, (size_t)nparts * sizeof *np);
    if (!np) return lh_err_set(err, LH_ENOMEM, "out of memory");
    t->parts = np;
    for (int32_t i = t->nparts; i < nparts; i++) {
        int rc = lh__sb_part_open(b, t, i, &t->parts[i], err);
        if (rc) return rc;
        t->nparts = i + 1;
    }
    return 0;
}

static void topic_free(lh_sb_topic_t *t)
{
    if (!t) return;
    for (int32_t i = 0; i < t->nparts; i++)
        lh__sb_part_close(t->parts[i]);
    free(t->parts);
    free(t->name);
    free(t);
}

static int push_topic(lh_sb_t *b, lh_sb_topic_t *t)
{
    if (b->ntopics == b->captopics) {
        int cap = b->captopics ? 2 * b->captopics : 16;
        lh_sb_topic_t **nt = realloc(b->topics, (size_t)cap * sizeof *nt);
        if (!nt) return LH_ENOMEM;
        b->topics = nt;
        b->captopics = cap;
    }
    b->topics[b->ntopics++] = t;
    return 0;
}

/* A topic in memory with its partitions open (not yet in topics.json). */
static int topic_open(lh_sb_t *b, const char *name, int32_t nparts, const lh_sb_topic_t *conf,
                      lh_sb_topic_t **out, lh_err_t *err)
{
    lh_sb_topic_t *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        free(t);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    if (conf) {
        t->conf = conf->conf;
        memcpy(t->set, conf->set, sizeof t->set);
    }
    int rc = add_parts(b, t, nparts, err);
    if (!rc && push_topic(b, t)) rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    if (rc) {
        topic_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int load_one(lh_sb_t *b, json_t *jt, lh_err_t *err)
{
    const char *name = json_string_value(json_object_get(jt, "name"));
    json_int_t n = json_integer_value(json_object_get(jt, "partitions"));
    if (!name || n < 1 || n > 1 << 20)
        return lh_err_set(err, LH_ECORRUPT, "%s/topics.json: a topic without a name or partitions",
                          b->dir);
    lh_sb_topic_t conf = {0};
    json_t *cf = json_object_get(jt, "configs");
    for (int i = 0; i < LH_SB_NCONF; i++) {
        json_t *v = json_object_get(cf, lh__sb_conf_names[i]);
        const char *sv = json_string_value(v);
        int codec = sv ? lh__sb_codec_parse((lh_str_t){sv, strlen(sv)}) : -2;
        if (i == LH_SB_COMPRESSION_TYPE && codec != -2) {
            conf.set[i] = true;
            conf.conf.v[i] = codec;
        } else if (i != LH_SB_COMPRESSION_TYPE && json_is_integer(v)) {
            conf.set[i] = true;
            conf.conf.v[i] = json_integer_value(v);
        }
    }
    lh_sb_topic_t *t;
    return topic_open(b, name, (int32_t)n, &conf, &t, err);
}

int lh__sb_topics_load(lh_sb_t *b, lh_err_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/logs", b->dir);
    if (mkdir(b->dir, 0755) && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", b->dir, strerror(errno));
    if (mkdir(path, 0755) && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/topics.json", b->dir);
    if (access(path, F_OK)) return 0;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return lh_err_set(err, LH_ECORRUPT, "%s: %s (line %d)", path, je.text, je.line);
    json_t *arr = json_object_get(root, "topics"), *jt;
    size_t i;
    int rc = 0;
    json_array_foreach(arr, i, jt)
    {
        if ((rc = load_one(b, jt, err))) break;
    }
    json_decref(root);
    return rc;
}

void lh__sb_topics_free(lh_sb_t *b)
{
    for (int i = 0; i < b->ntopics; i++)
        topic_free(b->topics[i]);
    for (int i = 0; i < b->ngrave; i++)
        topic_free(b->graveyard[i]);
    free(b->topics);
    free(b->graveyard);
    b->topics = b->graveyard = NULL;
    b->ntopics = b->ngrave = b->captopics = 0;
}

/* ---- create, delete, grow ---- */

static int parse_conf(lh_sb_topic_t *t, const lh_str_t *keys, const lh_str_t *vals, int n,
                      lh_err_t *err)
{
    for (int k = 0; k < n; k++) {
        int i = 0;
        while (i < LH_SB_NCONF && !lh_str_eq(keys[k], lh__sb_conf_names[i]))
            i++;
        char v[32];
        int64_t x;
        if (i == LH_SB_NCONF) continue; /* Kafka's other configs are accepted and not kept */
        if (i == LH_SB_COMPRESSION_TYPE) {
            if ((x = lh__sb_codec_parse(vals[k])) == -2)
                return lh_err_set(err, LH_EINVAL,
                                  "invalid value for compression.type: %.*s (this broker takes "
                                  "producer, uncompressed, gzip, lz4 and zstd)",
                                  (int)vals[k].len, vals[k].ptr);
        } else if (lh_str_copy(v, sizeof v, vals[k]) || lh_parse_i64(v, &x) ||
                   (i == LH_SB_ZSTD_LEVEL ? x < ZSTD_minCLevel() || x > ZSTD_maxCLevel()
                                          : x < (i == LH_SB_SEGMENT_BYTES ? 14 : -1))) {
            return lh_err_set(err, LH_EINVAL, "invalid value for %s", lh__sb_conf_names[i]);
        }
        t->set[i] = true;
        t->conf.v[i] = x;
    }
    return 0;
}

int lh__sb_topic_create(lh_sb_t *b, lh_str_t name, int32_t nparts, const lh_str_t *keys,
                        const lh_str_t *vals, int n, lh_sb_topic_t **out, lh_err_t *err)
{
    char nm[256];
    if (!lh__sb_topic_name_ok(name)) {
        lh_err_set(err, LH_EINVAL,
                   "topic name is illegal, it can't be empty or longer than 249 "
                   "characters of [a-zA-Z0-9._-]");
        return LH_KERR_INVALID_TOPIC;
    }
    if (lh__sb_topic_find(b, name)) {
        lh_err_set(err, LH_EEXIST, "topic '%.*s' already exists", (int)name.len, name.ptr);
        return LH_KERR_TOPIC_ALREADY_EXISTS;
    }
    if (nparts < 1 || nparts > 10000) {
        lh_err_set(err, LH_EINVAL, "number of partitions must be between 1 and 10000");
        return LH_KERR_INVALID_PARTITIONS;
    }
    lh_sb_topic_t conf = {0};
    if (parse_conf(&conf, keys, vals, n, err)) return LH_KERR_INVALID_CONFIG;
    lh_str_copy(nm, sizeof nm, name);
    lh_sb_topic_t *t;
    if (topic_open(b, nm, nparts, &conf, &t, err) || save(b, err)) {
        lh_warn("stream: cannot create topic %s: %s", nm, err->msg);
        return LH_KERR_UNKNOWN_SERVER_ERROR;
    }
    lh_info("stream: topic %s created with %d partitions", nm, (int)nparts);
    if (out) *out = t;
    return 0;
}

lh_sb_topic_t *lh__sb_topic_auto(lh_sb_t *b, lh_str_t name, bool allow, int *kerr)
{
    lh_sb_topic_t *t = lh__sb_topic_find(b, name);
    lh_err_t err = {0};
    *kerr = 0;
    if (t) return t;
    if (!lh__sb_topic_name_ok(name)) {
        *kerr = LH_KERR_INVALID_TOPIC;
        return NULL;
    }
    if (!allow || !b->o.auto_create) {
        *kerr = LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return NULL;
    }
    *kerr = lh__sb_topic_create(b, name, b->o.default_partitions, NULL, NULL, 0, &t, &err);
    return *kerr ? NULL : t;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int lh__sb_topic_delete(lh_sb_t *b, lh_sb_topic_t *t, lh_err_t *err)
{
    int at = 0;
    while (at < b->ntopics && b->topics[at] != t)
        at++;
    lh_sb_topic_t **g = realloc(b->graveyard, (size_t)(b->ngrave + 1) * sizeof *g);
    if (at == b->ntopics || !g) return LH_KERR_UNKNOWN_SERVER_ERROR;
    b->graveyard = g;
    memmove(&b->topics[at], &b->topics[at + 1], (size_t)(b->ntopics - at - 1) * sizeof *g);
    b->ntopics--;
    b->graveyard[b->ngrave++] = t;
    t->deleted = true;
    int rc = save(b, err);
    for (int32_t i = 0; i < t->nparts; i++) {
        lh_sb_part_t *p = t->parts[i];
        char dir[4096];
        lh__sb_fetch_notify(b, p);
        lh__sb_part_close(p);
        t->parts[i] = NULL;
        lh__sb_part_dir(b, t, i, dir, sizeof dir);
        if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
            lh_warn("stream: cannot remove %s: %s", dir, strerror(errno));
    }
    t->nparts = 0;
    lh_err_t gerr;
    if (b->groups &&
        lh_stream_groups_drop_topic(b->groups, (lh_str_t){t->name, strlen(t->name)}, &gerr))
        lh_warn("stream: cannot drop the committed offsets of %s: %s", t->name, gerr.msg);
    lh_info("stream: topic %s deleted", t->name);
    return rc ? LH_KERR_UNKNOWN_SERVER_ERROR : 0;
}

int lh__sb_topic_grow(lh_sb_t *b, lh_sb_topic_t *t, int32_t nparts, lh_err_t *err)
{
    if (nparts <= t->nparts || nparts > 10000) {
        lh_err_set(err, LH_EINVAL, "topic currently has %d partitions, %d would not be an increase",
                   (int)t->nparts, (int)nparts);
        return LH_KERR_INVALID_PARTITIONS;
    }
    if (add_parts(b, t, nparts, err) || save(b, err)) return LH_KERR_UNKNOWN_SERVER_ERROR;
    lh_info("stream: topic %s now has %d partitions", t->name, (int)nparts);
    return 0;
}
